package io.latentserve.evaluator.client;

import java.time.Duration;

/** Observes the calls of a {@link GrpcInferenceClient}, e.g. to count them in metrics. */
public interface InferenceCallListener {
  /**
   * One attempt of a call finished.
   *
   * @param method the RPC name, e.g. {@code ImportanceWeights}
   * @param status the gRPC status code name, {@code OK} on success
   * @param latency wall time of the attempt
   */
  void onAttempt(String method, String status, Duration latency);

  /** A failed attempt is retried. */
  void onRetry(String method, String status);

  /** A listener that ignores everything. */
  static InferenceCallListener none() {
    return new InferenceCallListener() {
      @Override
      public void onAttempt(String method, String status, Duration latency) {}

      @Override
      public void onRetry(String method, String status) {}
    };
  }
}
