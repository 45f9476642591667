package io.latentserve.evaluator.core;

/**
 * One diagonal-Gaussian latent layer of a served model.
 *
 * @param name layer name from the manifest, e.g. {@code "z1"}
 * @param dim number of latent units, >= 1
 */
public record LatentLayerInfo(String name, int dim) {
  public LatentLayerInfo {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("layer name must not be blank");
    }
    if (dim <= 0) {
      throw new IllegalArgumentException("layer " + name + " dim must be > 0, got " + dim);
    }
  }
}
