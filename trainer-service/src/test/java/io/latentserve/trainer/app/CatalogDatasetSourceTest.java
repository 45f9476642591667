package io.latentserve.trainer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.trainer.core.DatasetSource;
import io.latentserve.trainer.core.DatasetUnavailableException;
import io.latentserve.trainer.core.InvalidSpecException;
import java.nio.file.Path;
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
  void describe_sharedMnist_784FeaturesAnd8000TrainingDigits() {
    Path root = io.latentserve.trainer.core.SharedData.assumeCatalog("mnist-10k").dataDir();
    assertThat(new CatalogDatasetSource(root).describe("mnist-10k"))
        .isEqualTo(new DatasetSource.Shape(784, 8000, 10));
  }
}
