package io.latentserve.trainer.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link JobManager} runs jobs.
 *
 * @param concurrency jobs trained at once (each on its own thread), >= 1
 * @param maxQueuedJobs queued jobs beyond which a submission gets RESOURCE_EXHAUSTED, >= 1
 * @param maxStepSamples the largest batch size times K a job may use (memory of one step), >= 1
 * @param checkpointInterval least time between checkpoints within an epoch (every epoch's end is
 *     checkpointed)
 * @param progressInterval least time between progress events within an epoch
 * @param cancelWait how long CancelJob waits for a running job to stop before it answers
 * @param limits the largest model a submission may ask for
 */
public record JobManagerOptions(
    int concurrency,
    int maxQueuedJobs,
    long maxStepSamples,
    Duration checkpointInterval,
    Duration progressInterval,
    Duration cancelWait,
    ResourceLimits limits) {
  public JobManagerOptions {
    Objects.requireNonNull(limits, "limits");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
    }
    if (maxQueuedJobs < 1) {
      throw new IllegalArgumentException("maxQueuedJobs must be >= 1, got " + maxQueuedJobs);
    }
    if (maxStepSamples < 1) {
      throw new IllegalArgumentException("maxStepSamples must be >= 1, got " + maxStepSamples);
    }
    for (Duration d : new Duration[] {checkpointInterval, progressInterval, cancelWait}) {
      if (Objects.requireNonNull(d, "durations are required").isNegative()) {
        throw new IllegalArgumentException("durations must be >= 0, got " + d);
      }
    }
  }

  /** Options with the {@link ResourceLimits#defaults() default resource limits}. */
  public JobManagerOptions(
      int concurrency,
      int maxQueuedJobs,
      long maxStepSamples,
      Duration checkpointInterval,
      Duration progressInterval,
      Duration cancelWait) {
    this(
        concurrency,
        maxQueuedJobs,
        maxStepSamples,
        checkpointInterval,
        progressInterval,
        cancelWait,
        ResourceLimits.defaults());
  }

  public static JobManagerOptions defaults() {
    return new JobManagerOptions(
        1, 16, 200_000, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofSeconds(30));
  }
}
