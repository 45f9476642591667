package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import java.util.Objects;

/**
 * Log densities of one latent layer, [N] float32 each, in nats.
 *
 * @param layer layer name, e.g. {@code "z1"}
 * @param logPrior log p(z_l | z_{l+1}); the standard normal log density for the top layer
 * @param logPosterior log q(z_l | z_{l-1}) with z_0 = x
 */
public record LayerLogProb(String layer, FloatTensor logPrior, FloatTensor logPosterior) {
  public LayerLogProb {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(logPrior, "logPrior");
    Objects.requireNonNull(logPosterior, "logPosterior");
  }
}
