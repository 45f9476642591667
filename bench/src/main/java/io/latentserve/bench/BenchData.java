package io.latentserve.bench;

import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.DatasetFetcher;
import java.io.IOException;
import java.nio.file.Path;

/** The benchmarks' data: fetched into the data folder on first use, as `data fetch` does. */
final class BenchData {
  private BenchData() {}

  /** Fetches {@code dataset} into {@code dataDir} unless it is already there. */
  static void ensure(String dataset, Path dataDir) throws IOException {
    if (new DatasetCatalog(dataDir).isAvailable(dataset)) {
      return;
    }
    System.out.println(dataset + " is not in " + dataDir + ": fetching it");
    new DatasetFetcher()
        .fetch(
            dataset,
            dataDir,
            event -> System.out.println("  " + event.kind() + " " + event.file()));
  }
}
