package io.latentserve.model;

import java.util.List;

/**
 * One stochastic layer of a VAE: a diagonal-Gaussian latent of {@code latentDim} units, reached
 * from the layer below through the deterministic {@code hidden} widths (the decoder mirrors them).
 * An empty {@code hidden} list makes both maps linear, as in probabilistic PCA.
 */
public record StochasticLayer(String name, int latentDim, List<Integer> hidden) {
  public StochasticLayer {
    if (name == null || !name.matches("[a-z][a-z0-9_]{0,31}")) {
      throw new IllegalArgumentException("layer name must match [a-z][a-z0-9_]{0,31}, got " + name);
    }
    if (latentDim <= 0) {
      throw new IllegalArgumentException("latentDim of " + name + " must be > 0, got " + latentDim);
    }
    hidden = List.copyOf(hidden);
    for (int width : hidden) {
      if (width <= 0) {
        throw new IllegalArgumentException(
            "hidden widths of " + name + " must be > 0, got " + hidden);
      }
    }
  }
}
