package io.latentserve.bundle;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A store of model bundles laid out as {@code <root>/<model>/<version>/}. Versions are integers >=
 * 1; only complete (published) versions are visible, and "latest" is the highest of them.
 */
public interface ModelRepository {
  /** Names of models with at least one complete version, sorted. */
  List<String> modelNames();

  /** Complete versions of a model, ascending; empty for an unknown model. */
  List<Long> versions(String modelName);

  /** The highest complete version of a model. */
  default Optional<Long> latestVersion(String modelName) {
    List<Long> v = versions(modelName);
    return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
  }

  /**
   * Reads and verifies one bundle (manifest schema, shapes, sha256 of every file).
   *
   * @throws BundleException if it is missing, incomplete or corrupt
   */
  Bundle open(String modelName, long version);

  /**
   * Publishes a new version atomically: the files are written to a hidden temporary folder next to
   * the versions, then renamed into place, so a reader never sees a partial bundle.
   *
   * @param manifest the manifest; its sha256 map is replaced by the digests of {@code files}
   * @param files file name -> contents, one entry per graph file named by the manifest (and any
   *     extra files)
   * @return the published bundle, with its assigned version (the highest existing version + 1)
   */
  Bundle publish(String modelName, Manifest manifest, Map<String, byte[]> files);
}
