package io.latentserve.inference.grpc;

import io.latentserve.inference.core.ModelId;

/**
 * Told about every request the service answered successfully, e.g. to count requests and rows per
 * model in metrics. Called on gRPC threads: keep it fast and never throw.
 */
public interface RequestListener {
  /** A listener that ignores everything. */
  RequestListener NONE = (model, method, rows) -> {};

  /**
   * A request was served.
   *
   * @param model the version that served it
   * @param method the RPC, e.g. {@code "Encode"}
   * @param rows rows of the request (N, or n for Sample)
   */
  void onServed(ModelId model, String method, long rows);
}
