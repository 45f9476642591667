package io.latentserve.evaluator.core;

import io.latentserve.model.LayerDistribution;
import java.util.List;

/**
 * Parameters of q(z|x) for every latent layer, each in its family.
 *
 * @param layers one entry per latent layer, layer 1 first
 */
public record Encoding(List<LayerDistribution> layers) {
  public Encoding {
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("an encoding has at least one layer");
    }
  }

  /** Layer 1, next to the data. */
  public LayerDistribution bottom() {
    return layers.get(0);
  }

  /** The top layer. */
  public LayerDistribution top() {
    return layers.get(layers.size() - 1);
  }
}
