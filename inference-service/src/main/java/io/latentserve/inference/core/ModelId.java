package io.latentserve.inference.core;

/**
 * One version of a model, written {@code name/version} (e.g. {@code mnist-vae/3}) in messages.
 *
 * @param name model name as in the repository
 * @param version version number, >= 1
 */
public record ModelId(String name, long version) {
  public ModelId {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("model name is required");
    }
    if (version < 1) {
      throw new IllegalArgumentException("model version must be >= 1, got " + version);
    }
  }

  @Override
  public String toString() {
    return name + "/" + version;
  }
}
