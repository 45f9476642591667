package io.latentserve.inference.batching;

import java.time.Duration;
import java.util.Objects;

/**
 * Dynamic batching settings of one runner.
 *
 * @param maxBatchRows most rows (axis 0) merged into one engine call; a single request with more
 *     rows runs alone
 * @param maxQueueDelay how long the dispatcher waits for more work after the first queued request,
 *     >= 0. The default 0 merges what queued up while the engine was busy with the previous batch:
 *     under concurrent load batches form by themselves, and a lone request pays no delay.
 * @param maxQueueLength most requests waiting in the runner's queue; further ones fail with {@link
 *     io.latentserve.inference.core.QueueFullException}
 */
public record BatchingConfig(int maxBatchRows, Duration maxQueueDelay, int maxQueueLength) {
  /** 256 rows, no added delay, 1024 queued requests. */
  public static final BatchingConfig DEFAULT = new BatchingConfig(256, Duration.ZERO, 1024);

  public BatchingConfig {
    Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
    if (maxBatchRows < 1) {
      throw new IllegalArgumentException("maxBatchRows must be >= 1, got " + maxBatchRows);
    }
    if (maxQueueDelay.isNegative()) {
      throw new IllegalArgumentException("maxQueueDelay must be >= 0, got " + maxQueueDelay);
    }
    if (maxQueueLength < 1) {
      throw new IllegalArgumentException("maxQueueLength must be >= 1, got " + maxQueueLength);
    }
  }
}
