package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import java.util.Objects;
import java.util.Optional;

/**
 * A diagonal Gaussian over one latent layer for every row, and optionally a draw from it.
 *
 * @param layer layer name from the manifest, e.g. {@code "z1"}
 * @param mean [N, dim] float32
 * @param logVariance natural log of the variance, [N, dim] float32
 * @param sample z = mean + exp(logVariance / 2) * eps, [N, dim] float32, when samples were asked
 *     for
 */
public record GaussianLayer(
    String layer, FloatTensor mean, FloatTensor logVariance, Optional<FloatTensor> sample) {
  public GaussianLayer {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(mean, "mean");
    Objects.requireNonNull(logVariance, "logVariance");
    Objects.requireNonNull(sample, "sample");
  }
}
