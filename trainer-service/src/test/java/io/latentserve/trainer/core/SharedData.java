package io.latentserve.trainer.core;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.latentserve.datasets.DatasetCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real data sets of {@code shared/data/<name>/}: the system property {@code
 * latentserve.sharedData}, else the first {@code shared/data} found walking up from the working
 * directory.
 */
public final class SharedData {
  private SharedData() {}

  static Optional<Path> root() {
    String property = System.getProperty("latentserve.sharedData");
    if (property != null && !property.isBlank()) {
      return Optional.of(Path.of(property)).filter(Files::isDirectory);
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared").resolve("data");
      if (Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** A catalogue over the shared data holding {@code name}, or the test is skipped saying why. */
  public static DatasetCatalog assumeCatalog(String name) {
    Optional<Path> root = root();
    assumeTrue(
        root.isPresent() && new DatasetCatalog(root.get()).isAvailable(name),
        () -> "real " + name + " not found: set -Dlatentserve.sharedData=DIR");
    return new DatasetCatalog(root.get());
  }
}
