package io.latentserve.bundle;

import java.util.Comparator;

/** One version of one model, e.g. mnist-vae/3; ordered by model name, then version. */
public record ModelVersion(String model, long version) implements Comparable<ModelVersion> {
  private static final Comparator<ModelVersion> ORDER =
      Comparator.comparing(ModelVersion::model).thenComparingLong(ModelVersion::version);

  public ModelVersion {
    ModelNames.validate(model);
    if (version < 1) {
      throw new IllegalArgumentException("version of " + model + " must be >= 1, got " + version);
    }
  }

  @Override
  public int compareTo(ModelVersion other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return model + "/" + version;
  }
}
