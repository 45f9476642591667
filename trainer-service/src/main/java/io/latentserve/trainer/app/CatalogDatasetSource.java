package io.latentserve.trainer.app;

import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.DatasetNotFoundException;
import io.latentserve.datasets.DatasetSpec;
import io.latentserve.datasets.Split;
import io.latentserve.trainer.core.DatasetSource;
import io.latentserve.trainer.core.DatasetUnavailableException;
import io.latentserve.trainer.core.InvalidSpecException;
import io.latentserve.trainer.core.TrainingData;
import io.latentserve.trainer.core.ValidationSplit;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The {@link DatasetSource} over the project's {@link DatasetCatalog}: the train split, less the
 * {@link ValidationSplit} held out of it for the validation bound. The test split is never read: it
 * is the evaluator's.
 */
final class CatalogDatasetSource implements DatasetSource {
  private final DatasetCatalog catalog;

  CatalogDatasetSource(Path dataDir) {
    this.catalog = new DatasetCatalog(dataDir);
  }

  @Override
  public Shape describe(String dataset) {
    DatasetSpec spec =
        DatasetCatalog.find(dataset)
            .orElseThrow(
                () ->
                    new InvalidSpecException(
                        "spec.dataset",
                        "spec.dataset \""
                            + dataset
                            + "\" is not in the catalogue; known datasets: "
                            + String.join(", ", DatasetCatalog.names())));
    if (!catalog.isAvailable(dataset)) {
      throw unavailable(dataset);
    }
    return new Shape(
        spec.rows() * spec.cols(),
        ValidationSplit.trainingExamples(spec.trainCount()),
        spec.classes());
  }

  @Override
  public TrainingData load(String dataset) throws IOException {
    try {
      return ValidationSplit.carve(catalog.load(dataset, Split.TRAIN, 0));
    } catch (DatasetNotFoundException e) {
      throw unavailable(dataset);
    }
  }

  private DatasetUnavailableException unavailable(String dataset) {
    return new DatasetUnavailableException(
        "dataset "
            + dataset
            + " is not downloaded on the trainer: run `"
            + DatasetCatalog.fetchCommand(dataset)
            + "` there (data folder "
            + catalog.dataDir().toAbsolutePath()
            + ")");
  }
}
