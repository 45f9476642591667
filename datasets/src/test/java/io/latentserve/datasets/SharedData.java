package io.latentserve.datasets;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates the real data sets of {@code shared/data/<name>/}: the system property {@code
 * latentserve.sharedData}, else the first {@code shared/data} found walking up from the working
 * directory (a checkout with {@code shared/} beside or inside it).
 */
final class SharedData {
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

  /** The data directory holding {@code name}, or the test is skipped saying why. */
  static Path assumeDataDir(String name) {
    Optional<Path> root = root();
    assumeTrue(
        root.isPresent() && new DatasetCatalog(root.get()).isAvailable(name),
        () ->
            "real "
                + name
                + " not found: set -Dlatentserve.sharedData=DIR or place shared/data/"
                + name
                + " above the working directory");
    return root.get();
  }
}
