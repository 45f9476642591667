package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCatalogTest {
  @TempDir Path dataDir;

  /** Writes a synthetic mnist-10k (the right counts, random pixels) and returns its test pixels. */
  private IdxImages writeSyntheticMnist10k() throws IOException {
    Path dir = Files.createDirectories(dataDir.resolve("mnist-10k"));
    Random random = new Random(7);
    IdxImages test = null;
    for (Split split : Split.values()) {
      int n = DatasetCatalog.spec("mnist-10k").count(split);
      byte[] pixels = new byte[n * 784];
      random.nextBytes(pixels);
      IdxImages images = new IdxImages(n, 28, 28, pixels);
      int[] labels = random.ints(n, 0, 10).toArray();
      DatasetSpec spec = DatasetCatalog.spec("mnist-10k");
      IdxWriter.writeImages(dir.resolve(spec.imagesFile(split)), images);
      IdxWriter.writeLabels(dir.resolve(spec.labelsFile(split)), labels);
      test = images;
    }
    return test;
  }

  @Test
  void load_syntheticFiles_returnsIntensitiesAndLabels() throws IOException {
    IdxImages test = writeSyntheticMnist10k();

    Dataset d = new DatasetCatalog(dataDir).load("mnist-10k", "test", 0);

    assertThat(d.size()).isEqualTo(2000);
    assertThat(d.name()).isEqualTo("mnist-10k");
    assertThat(d.split()).isEqualTo(Split.TEST);
    assertThat(d.images().data()).isEqualTo(test.toUnitInterval());
  }

  @Test
  void load_withLimit_returnsFirstExamples() throws IOException {
    writeSyntheticMnist10k();
    DatasetCatalog catalog = new DatasetCatalog(dataDir);

    Dataset head = catalog.load("mnist-10k", Split.TRAIN, 5);
    Dataset all = catalog.load("mnist-10k", Split.TRAIN, 0);

    assertThat(head).isEqualTo(all.slice(0, 5));
    assertThat(catalog.load("mnist-10k", Split.TRAIN, 100_000).size()).isEqualTo(8000);
  }

  @Test
  void load_uncompressedFile_isFoundWithoutGzSuffix() throws IOException {
    writeSyntheticMnist10k();
    Path dir = dataDir.resolve("mnist-10k");
    IdxWriter.writeLabels(
        dir.resolve("test-labels-idx1-ubyte"),
        IdxReader.readLabels(dir.resolve("test-labels-idx1-ubyte.gz")));
    Files.delete(dir.resolve("test-labels-idx1-ubyte.gz"));

    assertThat(new DatasetCatalog(dataDir).load("mnist-10k", Split.TEST, 3).size()).isEqualTo(3);
  }

  @Test
  void load_missingFiles_namesThemAndTheFetchCommand() {
    DatasetCatalog catalog = new DatasetCatalog(dataDir);

    assertThatThrownBy(() -> catalog.load("fashion-mnist", Split.TRAIN, 0))
        .isInstanceOf(DatasetNotFoundException.class)
        .hasMessageContaining("dataset fashion-mnist is not in " + dataDir.resolve("fashion-mnist"))
        .hasMessageContaining("missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz")
        .hasMessageContaining("run `bin/latentserve data fetch fashion-mnist`")
        .hasMessageContaining("known datasets: mnist-10k, fashion-mnist, mnist, cifar-10");
    assertThat(catalog.isAvailable("fashion-mnist")).isFalse();
  }

  @Test
  void load_unknownName_listsKnownNames() {
    assertThatThrownBy(() -> new DatasetCatalog(dataDir).load("cifar10", Split.TRAIN, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown dataset 'cifar10', known datasets: mnist-10k, fashion-mnist, mnist, cifar-10");
  }

  @Test
  void load_negativeLimit_isRejected() {
    assertThatThrownBy(() -> new DatasetCatalog(dataDir).load("mnist", Split.TEST, -3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit must be >= 0");
  }

  @Test
  void load_wrongExampleCount_namesFileExpectedAndActual() throws IOException {
    writeSyntheticMnist10k();
    Path labels = dataDir.resolve("mnist-10k").resolve("test-labels-idx1-ubyte.gz");
    IdxWriter.writeLabels(labels, new int[1999]);

    assertThatThrownBy(() -> new DatasetCatalog(dataDir).load("mnist-10k", Split.TEST, 0))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining(labels.toString())
        .hasMessageContaining("expected 2000 examples in the test split of mnist-10k")
        .hasMessageContaining("holds 1999");
  }

  @Test
  void resolveDataDir_prefersFlagThenEnvironmentThenDefault() {
    Map<String, String> env = Map.of(DatasetCatalog.DATA_DIR_ENV, "/srv/data");

    assertThat(DatasetCatalog.resolveDataDir("/flag", env)).isEqualTo(Path.of("/flag"));
    assertThat(DatasetCatalog.resolveDataDir(null, env)).isEqualTo(Path.of("/srv/data"));
    assertThat(DatasetCatalog.resolveDataDir(null, Map.of())).isEqualTo(Path.of("data"));
  }

  @Test
  void load_realMnist10k_has8000TrainDigitsInUnitInterval() throws IOException {
    DatasetCatalog catalog = new DatasetCatalog(SharedData.assumeDataDir("mnist-10k"));

    Dataset train = catalog.load("mnist-10k", Split.TRAIN, 0);
    Dataset test = catalog.load("mnist-10k", Split.TEST, 0);

    assertThat(train.images().shape()).containsExactly(8000, 784);
    assertThat(test.images().shape()).containsExactly(2000, 784);
    assertUnitIntervalDigits(train);
    assertUnitIntervalDigits(test);
  }

  @Test
  void load_realFashionMnistTest_has10000ImagesOfTenClasses() throws IOException {
    DatasetCatalog catalog = new DatasetCatalog(SharedData.assumeDataDir("fashion-mnist"));

    Dataset test = catalog.load("fashion-mnist", Split.TEST, 0);

    assertThat(test.images().shape()).containsExactly(10000, 784);
    assertUnitIntervalDigits(test);
    // The official test split is balanced: 1,000 images per class.
    int[] counts = new int[10];
    for (int label : test.labels()) {
      counts[label]++;
    }
    assertThat(counts).containsOnly(1000);
    assertThat(catalog.load("fashion-mnist", Split.TRAIN, 10).size()).isEqualTo(10);
  }

  private static void assertUnitIntervalDigits(Dataset d) {
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    double sum = 0;
    for (float v : d.images().data()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    assertThat(min).isEqualTo(0f);
    assertThat(max).isEqualTo(1f);
    // MNIST-like images are mostly background: mean intensity ~0.13 (MNIST), ~0.29 (Fashion).
    assertThat(sum / d.images().size()).isBetween(0.05, 0.4);
    assertThat(d.labels()).containsOnly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(d.labels()).contains(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void specs_everyDataset_hasTenClassesForOneHotLabels() {
    assertThat(DatasetCatalog.specs()).extracting(DatasetSpec::classes).containsOnly(10);
  }
}
