package io.latentserve.datasets;

import java.nio.file.Path;

/**
 * What a fetch did.
 *
 * @param dataset catalogue name
 * @param directory {@code <dataDir>/<dataset>}, holding the data set's files
 * @param source where the files came from (a URL, a local folder), or "already present"
 * @param alreadyPresent true when every file was there before and nothing was fetched
 */
public record FetchResult(String dataset, Path directory, String source, boolean alreadyPresent) {
  public FetchResult {
    if (dataset == null || directory == null || source == null) {
      throw new IllegalArgumentException("dataset, directory and source are required");
    }
  }
}
