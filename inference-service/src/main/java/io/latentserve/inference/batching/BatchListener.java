package io.latentserve.inference.batching;

import io.latentserve.bundle.GraphRole;
import java.time.Duration;

/**
 * Receives batching statistics, e.g. to feed metrics. Called on the dispatcher thread: keep it fast
 * and never throw.
 */
public interface BatchListener {
  /** A listener that ignores everything. */
  BatchListener NONE = new BatchListener() {};

  /**
   * One engine call was made.
   *
   * @param role the graph
   * @param requests requests merged into the call, >= 1
   * @param rows rows of the call (sum over the requests)
   * @param queueDelay time the oldest merged request waited in the queue
   * @param runTime time the engine call took
   */
  default void onBatch(
      GraphRole role, int requests, int rows, Duration queueDelay, Duration runTime) {}

  /** A request was rejected because the queue was full. */
  default void onRejected(GraphRole role) {}
}
