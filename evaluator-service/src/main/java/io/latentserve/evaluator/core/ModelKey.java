package io.latentserve.evaluator.core;

/**
 * Names a model and, optionally, one of its versions.
 *
 * @param name model name, non-blank
 * @param version version number >= 1, or 0 for the latest complete version
 */
public record ModelKey(String name, long version) {
  public ModelKey {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("model name must not be blank");
    }
    if (version < 0) {
      throw new IllegalArgumentException("model version must be >= 0, got " + version);
    }
  }

  /** {@code name/version}, or {@code name/latest} for version 0. */
  @Override
  public String toString() {
    return name + "/" + (version == 0 ? "latest" : Long.toString(version));
  }
}
