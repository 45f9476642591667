package io.latentserve.evaluator.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How the evaluator reaches the inference replicas.
 *
 * @param target one {@code host:port}, a comma-separated list {@code h1:p1,h2:p2} (a static list,
 *     balanced round-robin), or a gRPC target URI such as {@code dns:///inference:50051} (every
 *     address the name resolves to, balanced round-robin)
 * @param callDeadline deadline of every inference call; a streamed ImportanceWeights call must
 *     finish within it
 * @param maxAttempts attempts per call, >= 1: a call that fails with UNAVAILABLE,
 *     RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED is retried on the next replica up to this many
 *     attempts in all
 * @param retryBackoff pause before the second attempt, doubled for each further one
 * @param maxInboundMessageBytes largest response message accepted
 * @param versionWait how long a call pinned to a version keeps retrying NOT_FOUND and
 *     FAILED_PRECONDITION (on the other replicas, and on the same one after a pause): a replica
 *     loads a newly published version only at its next repository scan, so replicas disagree for up
 *     to their reload interval
 */
public record InferenceClientConfig(
    String target,
    Duration callDeadline,
    int maxAttempts,
    Duration retryBackoff,
    int maxInboundMessageBytes,
    Duration versionWait) {

  /** The default {@link #versionWait()}: three of inference-service's default reload intervals. */
  public static final Duration DEFAULT_VERSION_WAIT = Duration.ofSeconds(15);

  public InferenceClientConfig {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(callDeadline, "callDeadline");
    Objects.requireNonNull(retryBackoff, "retryBackoff");
    Objects.requireNonNull(versionWait, "versionWait");
    if (versionWait.isNegative()) {
      throw new IllegalArgumentException("versionWait must be >= 0, got " + versionWait);
    }
    InferenceTargets.validate(target);
    if (callDeadline.isNegative() || callDeadline.isZero()) {
      throw new IllegalArgumentException("callDeadline must be > 0, got " + callDeadline);
    }
    if (maxAttempts < 1 || maxAttempts > 20) {
      throw new IllegalArgumentException("maxAttempts must be in [1, 20], got " + maxAttempts);
    }
    if (retryBackoff.isNegative()) {
      throw new IllegalArgumentException("retryBackoff must be >= 0, got " + retryBackoff);
    }
    if (maxInboundMessageBytes < 1 << 20) {
      throw new IllegalArgumentException(
          "maxInboundMessageBytes must be >= 1 MiB, got " + maxInboundMessageBytes);
    }
  }

  /** A config with the default {@link #versionWait()}. */
  public InferenceClientConfig(
      String target,
      Duration callDeadline,
      int maxAttempts,
      Duration retryBackoff,
      int maxInboundMessageBytes) {
    this(
        target,
        callDeadline,
        maxAttempts,
        retryBackoff,
        maxInboundMessageBytes,
        DEFAULT_VERSION_WAIT);
  }

  /** {@code target} with a 60 s deadline, 4 attempts, 50 ms initial backoff, 64 MiB messages. */
  public static InferenceClientConfig of(String target) {
    return new InferenceClientConfig(
        target, Duration.ofSeconds(60), 4, Duration.ofMillis(50), 64 << 20);
  }

  public InferenceClientConfig withCallDeadline(Duration deadline) {
    return new InferenceClientConfig(
        target, deadline, maxAttempts, retryBackoff, maxInboundMessageBytes, versionWait);
  }

  public InferenceClientConfig withMaxAttempts(int attempts) {
    return new InferenceClientConfig(
        target, callDeadline, attempts, retryBackoff, maxInboundMessageBytes, versionWait);
  }

  public InferenceClientConfig withVersionWait(Duration wait) {
    return new InferenceClientConfig(
        target, callDeadline, maxAttempts, retryBackoff, maxInboundMessageBytes, wait);
  }
}
