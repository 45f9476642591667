package io.latentserve.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a bundle folder and verifies it before anyone loads a graph from it: the manifest's schema
 * and format version, one graph for every {@link GraphRole}, graph inputs and outputs that match
 * {@link StandardGraphSpecs} for the manifest's architecture, and the sha256 of every file the
 * manifest lists.
 *
 * <p>Messages name the bundle as {@code <model>/<version>} and the file, never an absolute path, so
 * that services can pass them on to clients.
 */
public final class BundleReader {
  /** Manifests are a few kilobytes; anything far larger is not one. */
  static final long MAX_MANIFEST_BYTES = 16L << 20;

  private BundleReader() {}

  /**
   * Reads and verifies the bundle in {@code dir}.
   *
   * @param modelName the model the folder belongs to (checked with {@link ModelNames#validate})
   * @param version its version, >= 1
   * @param dir the bundle folder, holding manifest.json and the files it lists
   * @throws BundleNotFoundException if the folder or its manifest.json does not exist
   * @throws BundleException if the manifest is invalid, a graph or a file is missing, a shape
   *     disagrees with the architecture or a digest with the manifest
   */
  public static Bundle read(String modelName, long version, Path dir) {
    ModelNames.validate(modelName);
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, got " + version);
    }
    String label = modelName + "/" + version;
    Manifest manifest = readManifest(label, dir.resolve(Manifest.FILE_NAME));
    checkStructure(label, manifest);
    checkDigests(label, dir, manifest.sha256());
    return new Bundle(modelName, version, dir, manifest);
  }

  private static Manifest readManifest(String label, Path file) {
    String json;
    try {
      long size = Files.size(file);
      if (size > MAX_MANIFEST_BYTES) {
        throw new BundleException(
            "bundle "
                + label
                + ": "
                + Manifest.FILE_NAME
                + " has "
                + size
                + " bytes, at most "
                + MAX_MANIFEST_BYTES
                + " expected");
      }
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BundleNotFoundException(
          "bundle " + label + " has no " + Manifest.FILE_NAME + ": it is not published");
    } catch (IOException e) {
      throw new BundleException("bundle " + label + ": cannot read " + Manifest.FILE_NAME, e);
    }
    try {
      return ManifestJson.read(json);
    } catch (BundleException e) {
      throw new BundleException("bundle " + label + ": " + e.getMessage(), e);
    }
  }

  /**
   * Checks what can be checked without the files: format version, a graph for every role whose file
   * has a digest, and the graph shapes against the architecture.
   *
   * @param label how messages name the bundle, e.g. "mnist/3"
   */
  static void checkStructure(String label, Manifest manifest) {
    String prefix = "bundle " + label + ": ";
    if (manifest.formatVersion() != Manifest.FORMAT_VERSION) {
      throw new BundleException(
          prefix
              + "format version "
              + manifest.formatVersion()
              + " is not supported, expected "
              + Manifest.FORMAT_VERSION);
    }
    for (GraphRole role : GraphRole.values()) {
      GraphSpec actual = manifest.graphs().get(role);
      String graph = role.name().toLowerCase(Locale.ROOT);
      if (actual == null) {
        throw new BundleException(prefix + "manifest has no " + graph + " graph");
      }
      if (!manifest.sha256().containsKey(actual.file())) {
        throw new BundleException(
            prefix + "manifest lists no sha256 for " + actual.file() + " (" + graph + " graph)");
      }
      GraphSpec expected = StandardGraphSpecs.forRole(manifest.architecture(), role);
      checkTensors(prefix + graph + " graph", "input", actual.inputs(), expected.inputs(), true);
      checkTensors(
          prefix + graph + " graph", "output", actual.outputs(), expected.outputs(), false);
    }
  }

  /**
   * Every expected tensor must be present with the expected shape; extra inputs are rejected (no
   * caller would feed them), extra outputs are allowed (no caller reads them).
   */
  private static void checkTensors(
      String what, String kind, List<TensorSpec> actual, List<TensorSpec> expected, boolean exact) {
    Map<String, List<Long>> shapes = new HashMap<>();
    for (TensorSpec tensor : actual) {
      if (shapes.put(tensor.name(), tensor.shape()) != null) {
        throw new BundleException(what + " lists " + kind + " " + tensor.name() + " twice");
      }
    }
    for (TensorSpec tensor : expected) {
      List<Long> shape = shapes.remove(tensor.name());
      if (shape == null) {
        throw new BundleException(
            what + " lacks " + kind + " " + tensor.name() + " with shape " + tensor.shape());
      }
      if (!shape.equals(tensor.shape())) {
        throw new BundleException(
            what
                + " "
                + kind
                + " "
                + tensor.name()
                + " has shape "
                + shape
                + ", the architecture needs "
                + tensor.shape());
      }
    }
    if (exact && !shapes.isEmpty()) {
      throw new BundleException(
          what + " has " + kind + "s the architecture does not define: " + shapes.keySet());
    }
  }

  private static void checkDigests(String label, Path dir, Map<String, String> sha256) {
    for (Map.Entry<String, String> entry : new TreeMap<>(sha256).entrySet()) {
      String file = entry.getKey();
      String actual;
      try {
        actual = BundleFiles.sha256(dir.resolve(file));
      } catch (NoSuchFileException e) {
        throw new BundleException("bundle " + label + ": " + file + " is missing");
      } catch (IOException e) {
        throw new BundleException("bundle " + label + ": cannot read " + file, e);
      }
      if (!actual.equals(entry.getValue())) {
        throw new BundleException(
            "bundle "
                + label
                + ": "
                + file
                + " sha256 is "
                + actual
                + ", manifest says "
                + entry.getValue());
      }
    }
  }
}
