package io.latentserve.datasets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A catalogued data set whose files are not (all) in the data directory. */
public final class DatasetNotFoundException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String dataset;
  private final transient Path directory;
  private final List<String> missingFiles;

  DatasetNotFoundException(String dataset, Path directory, List<String> missingFiles) {
    super(
        "dataset "
            + dataset
            + " is not in "
            + directory
            + ": missing "
            + String.join(", ", missingFiles)
            + "; run `"
            + DatasetCatalog.fetchCommand(dataset)
            + "` (known datasets: "
            + String.join(", ", DatasetCatalog.names())
            + ")");
    this.dataset = dataset;
    this.directory = directory;
    this.missingFiles = List.copyOf(missingFiles);
  }

  /** The catalogue name. */
  public String dataset() {
    return dataset;
  }

  /** The folder that was searched. */
  public Path directory() {
    return directory;
  }

  /** The file names that were not found. */
  public List<String> missingFiles() {
    return missingFiles;
  }
}
