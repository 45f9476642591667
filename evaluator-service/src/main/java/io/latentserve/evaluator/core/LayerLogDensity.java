package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.Objects;

/**
 * Log densities of one latent layer's value in each row, nats.
 *
 * @param layer layer name
 * @param logPrior log p(z_l | z_{l+1}) (N(0, I) for the top layer), [N] float32
 * @param logPosterior log q(z_l | z_{l-1}) with z_0 = x, [N] float32
 */
public record LayerLogDensity(String layer, FloatTensor logPrior, FloatTensor logPosterior) {
  public LayerLogDensity {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(logPrior, "logPrior");
    Objects.requireNonNull(logPosterior, "logPosterior");
    if (logPrior.size() != logPosterior.size()) {
      throw new IllegalArgumentException(
          "layer " + layer + ": logPrior and logPosterior must have one value per row");
    }
  }
}
