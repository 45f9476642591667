package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10BinaryTest {
  @TempDir Path tmp;

  /**
   * A batch of records whose pixel at channel c, row y, column x is (label + c * 50 + y + x) mod
   * 256, so that the channel-major order can be checked.
   */
  private static byte[] batch(int... labels) {
    byte[] bytes = new byte[labels.length * Cifar10Binary.RECORD];
    for (int r = 0; r < labels.length; r++) {
      int base = r * Cifar10Binary.RECORD;
      bytes[base] = (byte) labels[r];
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 32; y++) {
          for (int x = 0; x < 32; x++) {
            bytes[base + 1 + c * 1024 + y * 32 + x] = (byte) ((labels[r] + c * 50 + y + x) % 256);
          }
        }
      }
    }
    return bytes;
  }

  @Test
  void read_twoBatches_returnsLabelsAndChannelMajorIntensitiesInOrder() throws IOException {
    Path first = Files.write(tmp.resolve("data_batch_1.bin"), batch(6, 9));
    Path second = Files.write(tmp.resolve("data_batch_2.bin"), batch(0));

    Cifar10Binary.Batch b = Cifar10Binary.read(List.of(first, second), Integer.MAX_VALUE);

    assertThat(b.labels()).containsExactly(6, 9, 0);
    assertThat(b.images()).hasSize(3 * 3072);
    // Example 1 (label 9), green channel (c = 1), row 2, column 5: (9 + 50 + 2 + 5) / 255.
    assertThat(b.images()[3072 + 1024 + 2 * 32 + 5]).isEqualTo(66 / 255f);
    // Example 2 (label 0), blue channel, row 31, column 31: (0 + 100 + 62) / 255.
    assertThat(b.images()[2 * 3072 + 2048 + 31 * 32 + 31]).isEqualTo(162 / 255f);
  }

  @Test
  void read_limit_stopsAfterThatManyRecords() throws IOException {
    Path first = Files.write(tmp.resolve("data_batch_1.bin"), batch(1, 2, 3));

    Cifar10Binary.Batch b = Cifar10Binary.read(List.of(first), 2);

    assertThat(b.labels()).containsExactly(1, 2);
    assertThat(b.images()).hasSize(2 * 3072);
  }

  @Test
  void read_partialRecord_throwsNamingTheFileAndRecordSize() throws IOException {
    byte[] bytes = batch(1);
    Path file = Files.write(tmp.resolve("test_batch.bin"), java.util.Arrays.copyOf(bytes, 3000));

    assertThatThrownBy(() -> Cifar10Binary.read(List.of(file), 10))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("test_batch.bin")
        .hasMessageContaining("size 3000 is not a whole number of 3073-byte CIFAR records");
  }

  @Test
  void read_labelOutOfRange_throws() throws IOException {
    Path file = Files.write(tmp.resolve("test_batch.bin"), batch(10));

    assertThatThrownBy(() -> Cifar10Binary.read(List.of(file), 10))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("record 0 has label 10, expected [0, 10)");
  }

  @Test
  void catalog_cifar10_isRegisteredWithItsShapeAndChecksTheSplitSize() throws IOException {
    DatasetSpec spec = DatasetCatalog.spec("cifar-10");
    Path dir = Files.createDirectories(tmp.resolve("data/cifar-10"));
    for (String f : Cifar10Binary.FILES) {
      Files.write(dir.resolve(f), batch(1, 2));
    }
    DatasetCatalog catalog = new DatasetCatalog(tmp.resolve("data"));

    assertThat(spec.features()).isEqualTo(3072);
    assertThat(spec.inputShape()).containsExactly(3L, 32L, 32L);
    assertThat(spec.files()).hasSize(6);
    assertThat(catalog.isAvailable("cifar-10")).isTrue();
    assertThatThrownBy(() -> catalog.load("cifar-10", "test", 0))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("expected 10000 examples in the test split of cifar-10");
  }
}
