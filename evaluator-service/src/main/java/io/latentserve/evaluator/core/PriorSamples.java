package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import java.util.Objects;
import java.util.Optional;

/**
 * Draws z ~ p(z_L) of the top layer's prior, decoded to p(x|z).
 *
 * @param prior the top layer's prior for every draw, [n, d_top] parameters in its family (N(0, I),
 *     p(z|y_i), or the learned constants on every row), with the draws z as its sample
 * @param xMean mean of p(x|z1), [n, D] float32
 * @param xSample draws x ~ p(x|z1), [n, D] float32, when asked for
 */
public record PriorSamples(
    LayerDistribution prior, FloatTensor xMean, Optional<FloatTensor> xSample) {
  public PriorSamples {
    Objects.requireNonNull(prior, "prior");
    Objects.requireNonNull(xMean, "xMean");
    Objects.requireNonNull(xSample, "xSample");
    if (prior.sample().isEmpty()) {
      throw new IllegalArgumentException("the prior of prior samples carries the draws z");
    }
  }

  /** The top-layer draws, [n, d_top] float32. */
  public FloatTensor z() {
    return prior.sample().orElseThrow();
  }
}
