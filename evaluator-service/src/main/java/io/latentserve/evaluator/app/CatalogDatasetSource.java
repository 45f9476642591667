package io.latentserve.evaluator.app;

import io.latentserve.datasets.Binarizer;
import io.latentserve.datasets.Dataset;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.DatasetNotFoundException;
import io.latentserve.evaluator.core.DatasetException;
import io.latentserve.evaluator.core.DatasetRef;
import io.latentserve.evaluator.core.DatasetSource;
import io.latentserve.evaluator.core.LabelledExamples;
import io.latentserve.model.FloatTensor;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DatasetSource} over the project's {@link DatasetCatalog} under a data folder:
 * intensities in [0, 1], binarized by {@link Binarizer} with the request's seed (example i of the
 * split keeps its index, so the same seed gives the same binary data however it is sliced).
 */
public final class CatalogDatasetSource implements DatasetSource {
  private static final Logger log = LoggerFactory.getLogger(CatalogDatasetSource.class);

  private final DatasetCatalog catalog;

  /** The catalogue's datasets as downloaded under {@code dataDir}. */
  public CatalogDatasetSource(Path dataDir) {
    this.catalog = new DatasetCatalog(dataDir);
  }

  @Override
  public FloatTensor load(DatasetRef ref, boolean binarize) {
    return examples(ref, read(ref), binarize);
  }

  /** The examples with their labels; the catalogue's class count is the condition size. */
  @Override
  public LabelledExamples loadLabelled(DatasetRef ref, boolean binarize) {
    Dataset dataset = read(ref);
    return new LabelledExamples(
        examples(ref, dataset, binarize),
        dataset.labels(),
        DatasetCatalog.spec(ref.name()).classes());
  }

  private static FloatTensor examples(DatasetRef ref, Dataset dataset, boolean binarize) {
    FloatTensor intensities = dataset.rows(0, dataset.size());
    return binarize ? new Binarizer(ref.binarizationSeed()).binarize(intensities, 0) : intensities;
  }

  private Dataset read(DatasetRef ref) {
    if (DatasetCatalog.find(ref.name()).isEmpty()) {
      throw new DatasetException(
          DatasetException.Reason.NOT_FOUND,
          "dataset \""
              + ref.name()
              + "\" is not in the catalogue; known datasets: "
              + String.join(", ", DatasetCatalog.names()));
    }
    Dataset dataset;
    try {
      dataset = catalog.load(ref.name(), ref.split(), ref.limit());
    } catch (DatasetNotFoundException e) {
      throw new DatasetException(
          DatasetException.Reason.NOT_AVAILABLE,
          "dataset "
              + ref.name()
              + " is not downloaded on the evaluator: run `"
              + DatasetCatalog.fetchCommand(ref.name())
              + "` there",
          e);
    } catch (IOException e) {
      log.error("dataset {} cannot be read", ref, e);
      throw new DatasetException(
          DatasetException.Reason.UNREADABLE, "dataset " + ref + " cannot be read", e);
    } catch (IllegalArgumentException e) {
      throw new DatasetException(DatasetException.Reason.NOT_FOUND, e.getMessage(), e);
    }
    return dataset;
  }
}
