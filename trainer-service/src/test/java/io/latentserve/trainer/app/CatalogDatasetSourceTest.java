package io.latentserve.trainer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.datasets.Dataset;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.Split;
import io.latentserve.trainer.core.DatasetSource;
import io.latentserve.trainer.core.DatasetUnavailableException;
import io.latentserve.trainer.core.InvalidSpecException;
import io.latentserve.trainer.core.TrainingData;
import io.latentserve.trainer.core.ValidationSplit;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogDatasetSourceTest {
  @Test
  void describe_unknownName_invalidSpecNamingTheKnownOnes(@TempDir Path dir) {
    assertThatThrownBy(() -> new CatalogDatasetSource(dir).describe("mnist-11k"))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("spec.dataset \"mnist-11k\" is not in the catalogue; known")
        .hasMessageContaining("mnist-10k");
  }

  @Test
  void describe_notDownloaded_unavailableWithTheFetchCommand(@TempDir Path dir) {
    assertThatThrownBy(() -> new CatalogDatasetSource(dir).describe("mnist-10k"))
        .isInstanceOf(DatasetUnavailableException.class)
        .hasMessageContaining("bin/latentserve data fetch mnist-10k");
  }

  @Test
  void describe_sharedMnist_784FeaturesAnd7200TrainingDigits() {
    Path root = io.latentserve.trainer.core.SharedData.assumeCatalog("mnist-10k").dataDir();
    // 8,000 in the train split, 800 of them held out for validation
    assertThat(new CatalogDatasetSource(root).describe("mnist-10k"))
        .isEqualTo(new DatasetSource.Shape(784, 7200, 10, java.util.List.of(1, 28, 28)));
  }

  /**
   * The validation bound is computed on examples of the train split held out of training, never on
   * the test split: the validation examples are train-split rows (at the seeded indices), none of
   * them a test image, none of them trained on, and the same on every load.
   */
  @Test
  void load_sharedMnist_validationIsHeldOutOfTrainAndDisjointFromTest() throws Exception {
    DatasetCatalog catalog = io.latentserve.trainer.core.SharedData.assumeCatalog("mnist-10k");
    Dataset train = catalog.load("mnist-10k", Split.TRAIN, 0);
    Dataset test = catalog.load("mnist-10k", Split.TEST, 0);
    CatalogDatasetSource source = new CatalogDatasetSource(catalog.dataDir());

    TrainingData data = source.load("mnist-10k");

    int[] held = ValidationSplit.indices(train.size(), ValidationSplit.SEED);
    assertThat(data.validation().size()).isEqualTo(800).isEqualTo(held.length);
    assertThat(data.train().size()).isEqualTo(7200);
    Set<String> testRows = rows(test);
    for (int r = 0; r < held.length; r++) {
      float[] row = data.validation().row(r);
      assertThat(row)
          .as("validation row %d is train row %d", r, held[r])
          .isEqualTo(train.row(held[r]));
      assertThat(data.validation().label(r)).isEqualTo(train.label(held[r]));
      assertThat(testRows).as("validation row %d is no test image", r).doesNotContain(key(row));
    }
    Set<Integer> heldSet = new HashSet<>();
    Arrays.stream(held).forEach(heldSet::add);
    int t = 0;
    for (int i = 0; i < train.size(); i++) {
      if (!heldSet.contains(i)) {
        assertThat(data.train().row(t++))
            .as("training example from train row %d", i)
            .isEqualTo(train.row(i));
      }
    }
    assertThat(source.load("mnist-10k").validation()).as("stable").isEqualTo(data.validation());
  }

  private static Set<String> rows(Dataset d) {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < d.size(); i++) {
      keys.add(key(d.row(i)));
    }
    return keys;
  }

  private static String key(float[] row) {
    return Arrays.toString(row);
  }
}
