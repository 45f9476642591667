package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.Objects;
import java.util.Optional;

/**
 * A diagonal Gaussian over one latent layer for every row, and optionally a draw from it.
 *
 * @param layer layer name, e.g. {@code "z1"}
 * @param mean [N, dim] float32
 * @param logVariance natural log of the variance, [N, dim] float32
 * @param sample z = mean + exp(logVariance / 2) * eps, [N, dim] float32, when asked for
 */
public record GaussianLayer(
    String layer, FloatTensor mean, FloatTensor logVariance, Optional<FloatTensor> sample) {
  public GaussianLayer {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(mean, "mean");
    Objects.requireNonNull(logVariance, "logVariance");
    Objects.requireNonNull(sample, "sample");
    if (mean.rank() != 2 || !java.util.Arrays.equals(mean.shape(), logVariance.shape())) {
      throw new IllegalArgumentException(
          "layer "
              + layer
              + ": mean and logVariance must both be [N, dim], got "
              + mean
              + ", "
              + logVariance);
    }
  }
}
