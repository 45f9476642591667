package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.List;
import java.util.Objects;

/**
 * Log densities of given (x, z) pairs, nats.
 *
 * @param logPxGivenZ log p(x|z1), [N] float32
 * @param logPz log p(z) summed over layers, [N] float32
 * @param logQzGivenX log q(z|x) summed over layers, [N] float32
 * @param layers per-layer densities, layer 1 first
 */
public record LogDensities(
    FloatTensor logPxGivenZ,
    FloatTensor logPz,
    FloatTensor logQzGivenX,
    List<LayerLogDensity> layers) {
  public LogDensities {
    Objects.requireNonNull(logPxGivenZ, "logPxGivenZ");
    Objects.requireNonNull(logPz, "logPz");
    Objects.requireNonNull(logQzGivenX, "logQzGivenX");
    layers = List.copyOf(layers);
  }
}
