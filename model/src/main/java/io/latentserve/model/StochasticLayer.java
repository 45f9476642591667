package io.latentserve.model;

import java.util.List;

/**
 * One stochastic layer of a VAE: a latent of {@code latentDim} units of one {@link LatentFamily},
 * reached from the layer below through the deterministic {@code hidden} widths (the decoder mirrors
 * them). An empty {@code hidden} list makes both maps linear, as in probabilistic PCA or the
 * sigmoid belief net.
 */
public record StochasticLayer(
    String name, int latentDim, List<Integer> hidden, LatentFamily family) {
  public StochasticLayer {
    if (family == null) {
      throw new IllegalArgumentException("family of layer " + name + " is required");
    }
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

  /** A diagonal-Gaussian layer. */
  public StochasticLayer(String name, int latentDim, List<Integer> hidden) {
    this(name, latentDim, hidden, LatentFamily.GAUSSIAN);
  }
}
