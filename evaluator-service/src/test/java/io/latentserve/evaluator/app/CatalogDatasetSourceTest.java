package io.latentserve.evaluator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.datasets.IdxImages;
import io.latentserve.datasets.IdxWriter;
import io.latentserve.evaluator.core.DatasetException;
import io.latentserve.evaluator.core.DatasetRef;
import io.latentserve.evaluator.core.LabelledExamples;
import io.latentserve.model.FloatTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogDatasetSourceTest {
  @TempDir Path data;

  /**
   * Writes mnist-10k's four files, uncompressed: every pixel of image i is (i * 37) mod 256, its
   * label (3 i) mod 10.
   */
  private void writeMnist10k() throws IOException {
    Path dir = Files.createDirectories(data.resolve("mnist-10k"));
    for (String[] split : new String[][] {{"train", "8000"}, {"test", "2000"}}) {
      int n = Integer.parseInt(split[1]);
      byte[] pixels = new byte[n * 784];
      for (int i = 0; i < n; i++) {
        java.util.Arrays.fill(pixels, i * 784, (i + 1) * 784, (byte) ((i * 37) % 256));
      }
      IdxWriter.writeImages(
          dir.resolve(split[0] + "-images-idx3-ubyte"), new IdxImages(n, 28, 28, pixels));
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = (i * 3) % 10;
      }
      IdxWriter.writeLabels(dir.resolve(split[0] + "-labels-idx1-ubyte"), labels);
    }
  }

  @Test
  void load_unknownName_throwsNotFoundListingKnownNames() {
    CatalogDatasetSource source = new CatalogDatasetSource(data);

    assertThatThrownBy(() -> source.load(new DatasetRef("nope", "test", 0, 0), false))
        .isInstanceOfSatisfying(
            DatasetException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(DatasetException.Reason.NOT_FOUND);
              assertThat(e.getMessage()).contains("mnist-10k");
            });
  }

  @Test
  void load_notDownloaded_throwsNotAvailableWithFetchCommand() {
    CatalogDatasetSource source = new CatalogDatasetSource(data);

    assertThatThrownBy(() -> source.load(new DatasetRef("mnist-10k", "test", 0, 0), false))
        .isInstanceOfSatisfying(
            DatasetException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(DatasetException.Reason.NOT_AVAILABLE);
              assertThat(e.getMessage())
                  .contains("data fetch mnist-10k")
                  .doesNotContain(data.toString());
            });
  }

  @Test
  void load_limitAndBinarize_returnsFirstRowsOfZerosAndOnes() throws IOException {
    writeMnist10k();
    CatalogDatasetSource source = new CatalogDatasetSource(data);

    FloatTensor raw = source.load(new DatasetRef("mnist-10k", "test", 5, 3), false);
    FloatTensor binary = source.load(new DatasetRef("mnist-10k", "test", 5, 3), true);
    FloatTensor again = source.load(new DatasetRef("mnist-10k", "test", 5, 3), true);

    assertThat(raw.shape()).containsExactly(5, 784);
    assertThat(raw.data()[784]).isEqualTo(37 / 255f);
    assertThat(binary.data()).containsOnly(0f, 1f);
    assertThat(again).isEqualTo(binary);
    // Image 0 is all zeros: always 0; image 4 (148/255) is about 58% ones.
    double ones = 0;
    for (int j = 0; j < 784; j++) {
      assertThat(binary.data()[j]).isZero();
      ones += binary.data()[4 * 784 + j];
    }
    assertThat(ones / 784).isBetween(0.5, 0.66);
  }

  @Test
  void loadLabelled_limit_returnsTheSameExamplesWithTheirLabelsAndTenClasses() throws IOException {
    writeMnist10k();
    CatalogDatasetSource source = new CatalogDatasetSource(data);
    DatasetRef ref = new DatasetRef("mnist-10k", "test", 4, 3);

    LabelledExamples labelled = source.loadLabelled(ref, true);

    assertThat(labelled.examples()).isEqualTo(source.load(ref, true));
    assertThat(labelled.labels()).containsExactly(0, 3, 6, 9);
    assertThat(labelled.classes()).isEqualTo(10);
    assertThat(labelled.oneHot().rows(1, 2).data())
        .containsExactly(0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 0f, 0f);
  }
}
