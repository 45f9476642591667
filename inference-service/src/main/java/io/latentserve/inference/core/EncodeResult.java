package io.latentserve.inference.core;

import java.util.List;

/**
 * Parameters of q(z|x) for every latent layer in its family, layer 1 (next to the data) first.
 *
 * @param layers one entry per latent layer; each sample is present when the request sampled
 */
public record EncodeResult(List<LatentLayerResult> layers) {
  public EncodeResult {
    layers = List.copyOf(layers);
  }
}
