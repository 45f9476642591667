package io.latentserve.bundle;

import java.io.IOException;
import java.nio.file.Path;

/** A verified bundle on disk: its folder, model name, version and manifest. */
public record Bundle(String modelName, long version, Path directory, Manifest manifest) {
  /** Path of one graph's ONNX file. */
  public Path graphFile(GraphRole role) {
    return directory.resolve(manifest.graph(role).file());
  }

  /**
   * Hex SHA-256 of the manifest file as it lies on disk, the digest that names this exact bundle.
   *
   * @throws IOException if the manifest cannot be read
   */
  public String manifestSha256() throws IOException {
    return BundleFiles.sha256(directory.resolve(Manifest.FILE_NAME));
  }
}
