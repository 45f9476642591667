package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.Objects;
import java.util.Optional;

/**
 * Draws z ~ p(z) of the top layer, decoded to p(x|z).
 *
 * @param z top-layer draws, [n, d_top] float32
 * @param xMean mean of p(x|z1), [n, D] float32
 * @param xSample draws x ~ p(x|z1), [n, D] float32, when asked for
 */
public record PriorSamples(FloatTensor z, FloatTensor xMean, Optional<FloatTensor> xSample) {
  public PriorSamples {
    Objects.requireNonNull(z, "z");
    Objects.requireNonNull(xMean, "xMean");
    Objects.requireNonNull(xSample, "xSample");
  }
}
