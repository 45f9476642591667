package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import java.util.Objects;
import java.util.Optional;

/**
 * Log importance weights of samples {@code [sampleOffset, sampleOffset + count)} of every row.
 *
 * @param sampleOffset index of the first sample in the chunk
 * @param logWeights log w = log p(x|z) + log p(z) - log q(z|x), [N, count] float32, nats
 * @param components the three terms of log w, when they were asked for
 */
public record LogWeightsChunk(
    int sampleOffset, FloatTensor logWeights, Optional<Components> components) {
  public LogWeightsChunk {
    if (sampleOffset < 0) {
      throw new IllegalArgumentException("sampleOffset must be >= 0, got " + sampleOffset);
    }
    Objects.requireNonNull(logWeights, "logWeights");
    Objects.requireNonNull(components, "components");
  }

  /** Samples in the chunk. */
  public int count() {
    return (int) logWeights.dim(1);
  }

  /**
   * The terms of log w, each [N, count] float32, nats.
   *
   * @param logPxGivenZ log p(x|z1)
   * @param logPz log p(z) summed over layers
   * @param logQzGivenX log q(z|x) summed over layers
   */
  public record Components(FloatTensor logPxGivenZ, FloatTensor logPz, FloatTensor logQzGivenX) {
    public Components {
      Objects.requireNonNull(logPxGivenZ, "logPxGivenZ");
      Objects.requireNonNull(logPz, "logPz");
      Objects.requireNonNull(logQzGivenX, "logQzGivenX");
    }
  }
}
