package io.latentserve.evaluator.core;

import io.latentserve.model.LatentFamily;

/**
 * One latent layer of a served model.
 *
 * @param name layer name from the manifest, e.g. {@code "z1"}
 * @param dim number of latent units, >= 1
 * @param family the distribution family of the layer's posterior and prior; null reads as Gaussian
 *     (reports stored before latent families name none)
 */
public record LatentLayerInfo(String name, int dim, LatentFamily family) {
  public LatentLayerInfo {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("layer name must not be blank");
    }
    if (dim <= 0) {
      throw new IllegalArgumentException("layer " + name + " dim must be > 0, got " + dim);
    }
    if (family == null) {
      family = LatentFamily.GAUSSIAN;
    }
  }

  /** A diagonal-Gaussian layer. */
  public LatentLayerInfo(String name, int dim) {
    this(name, dim, LatentFamily.GAUSSIAN);
  }
}
