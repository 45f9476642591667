package io.latentserve.trainer.core;

import io.latentserve.bundle.Manifest;
import java.util.Objects;

/**
 * The bundle a job published.
 *
 * @param manifestSha256 lower-case hex sha256 of the bundle's manifest.json
 */
public record PublishedModel(String name, long version, Manifest manifest, String manifestSha256) {
  public PublishedModel {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(manifestSha256, "manifestSha256");
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, got " + version);
    }
  }
}
