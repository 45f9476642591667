package io.latentserve.inference.core;

import io.latentserve.model.LayerDistribution;
import java.util.List;

/**
 * Parameters of q(z|x) for every latent layer in its family, layer 1 (next to the data) first.
 *
 * @param layers one entry per latent layer; each sample is present when the request sampled
 */
public record EncodeResult(List<LayerDistribution> layers) {
  public EncodeResult {
    layers = List.copyOf(layers);
  }
}
