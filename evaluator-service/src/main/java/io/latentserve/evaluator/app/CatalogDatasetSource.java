package io.latentserve.evaluator.app;

import io.latentserve.evaluator.core.DatasetException;
import io.latentserve.evaluator.core.DatasetRef;
import io.latentserve.evaluator.core.DatasetSource;
import io.latentserve.model.FloatTensor;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@link DatasetSource} over the project's dataset catalogue under a data folder.
 *
 * <p>Not wired to the catalogue yet: every dataset is reported as not found, and evaluations take
 * inline data.
 */
final class CatalogDatasetSource implements DatasetSource {
  private final Path dataDir;

  CatalogDatasetSource(Path dataDir) {
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
  }

  @Override
  public FloatTensor load(DatasetRef ref, boolean binarize) {
    throw new DatasetException(
        DatasetException.Reason.NOT_FOUND,
        "dataset " + ref.name() + " is not in the catalogue at " + dataDir.getFileName());
  }
}
