package io.latentserve.bundle;

import java.nio.file.Path;

/** A verified bundle on disk: its folder, model name, version and manifest. */
public record Bundle(String modelName, long version, Path directory, Manifest manifest) {
  /** Path of one graph's ONNX file. */
  public Path graphFile(GraphRole role) {
    return directory.resolve(manifest.graph(role).file());
  }
}
