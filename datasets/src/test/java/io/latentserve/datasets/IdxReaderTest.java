package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {
  @TempDir Path dir;

  private static IdxImages randomImages(int n, int rows, int cols, long seed) {
    byte[] pixels = new byte[n * rows * cols];
    new Random(seed).nextBytes(pixels);
    return new IdxImages(n, rows, cols, pixels);
  }

  @ParameterizedTest
  @ValueSource(strings = {"images-idx3-ubyte", "images-idx3-ubyte.gz"})
  void readImages_writtenByIdxWriter_roundTrips(String name) throws IOException {
    IdxImages images = randomImages(7, 5, 3, 1);
    Path file = dir.resolve(name);
    IdxWriter.writeImages(file, images);

    assertThat(IdxReader.readImages(file)).isEqualTo(images);
    assertThat(IdxReader.readHeader(file))
        .isEqualTo(new IdxHeader(IdxType.UNSIGNED_BYTE, List.of(7, 5, 3)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"labels-idx1-ubyte", "labels-idx1-ubyte.gz"})
  void readLabels_writtenByIdxWriter_roundTrips(String name) throws IOException {
    int[] labels = {0, 9, 255, 3, 128};
    Path file = dir.resolve(name);
    IdxWriter.writeLabels(file, labels);

    assertThat(IdxReader.readLabels(file)).containsExactly(labels);
  }

  @Test
  void readImages_gzipWithoutSuffix_detectsCompressionFromMagicBytes() throws IOException {
    IdxImages images = randomImages(2, 2, 2, 2);
    Path gz = dir.resolve("a.gz");
    IdxWriter.writeImages(gz, images);
    Path renamed = Files.move(gz, dir.resolve("plain-name"));

    assertThat(IdxReader.readImages(renamed)).isEqualTo(images);
  }

  @Test
  void readImages_withMaxCount_returnsFirstImages() throws IOException {
    IdxImages images = randomImages(10, 4, 4, 3);
    Path file = dir.resolve("i.gz");
    IdxWriter.writeImages(file, images);

    IdxImages head = IdxReader.readImages(file, 3);

    assertThat(head.count()).isEqualTo(3);
    assertThat(head.pixels()).containsExactly(Arrays.copyOf(images.pixels(), 3 * 16));
    assertThat(IdxReader.readImages(file, 100)).isEqualTo(images);
    assertThat(IdxReader.readLabels(writeLabels(new int[] {1, 2, 3}), 2)).containsExactly(1, 2);
  }

  @Test
  void toUnitInterval_mapsBytesToIntensities() {
    IdxImages images = new IdxImages(1, 1, 3, new byte[] {0, (byte) 255, (byte) 51});

    assertThat(images.toUnitInterval()).containsExactly(0f, 1f, 0.2f);
  }

  @Test
  void readImages_missingFile_throwsNoSuchFile() {
    assertThatThrownBy(() -> IdxReader.readImages(dir.resolve("absent")))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("absent");
  }

  @Test
  void readImages_badMagic_namesFileExpectedAndActual() throws IOException {
    Path file = Files.write(dir.resolve("bad"), new byte[] {0x50, 0x4B, 3, 4, 0, 0, 0, 1});

    assertThatThrownBy(() -> IdxReader.readImages(file))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("magic starts with 0x50 0x4B, expected 0x00 0x00");
  }

  @Test
  void readHeader_unknownType_listsKnownTypes() throws IOException {
    Path file = Files.write(dir.resolve("t"), new byte[] {0, 0, 0x07, 1, 0, 0, 0, 0});

    assertThatThrownBy(() -> IdxReader.readHeader(file))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("unknown IDX data type 0x07")
        .hasMessageContaining("0x08 (unsigned byte)");
  }

  @Test
  void readImages_labelsFile_reportsExpectedAndActualLayout() throws IOException {
    Path file = writeLabels(new int[] {1, 2});

    assertThatThrownBy(() -> IdxReader.readImages(file))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("expected unsigned byte images [N, rows, cols] (magic 0x00000803)")
        .hasMessageContaining("got unsigned byte [2] (magic 0x00000801)");
  }

  @Test
  void readLabels_floatData_reportsType() throws IOException {
    Path file = dir.resolve("f");
    IdxWriter.write(file, new IdxHeader(IdxType.FLOAT, List.of(2)), new byte[8]);

    assertThatThrownBy(() -> IdxReader.readLabels(file))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("got float32 [2] (magic 0x00000D01)");
  }

  @Test
  void readImages_truncatedData_reportsNeededAndPresentBytes() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(16 + 10);
    b.putInt(0x803).putInt(3).putInt(2).putInt(2);
    Path file = Files.write(dir.resolve("short"), b.array());

    assertThatThrownBy(() -> IdxReader.readImages(file))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("[3, 2, 2] needs 12 data bytes after the header, the file has 10");
  }

  @Test
  void readImages_truncatedHeader_reportsDimensionsFound() throws IOException {
    Path file = Files.write(dir.resolve("h"), new byte[] {0, 0, 8, 3, 0, 0, 0, 1});

    assertThatThrownBy(() -> IdxReader.readImages(file))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("expected 3 dimensions, the file has 1");
  }

  @Test
  void readLabels_trailingBytes_reportsExtraBytes() throws IOException {
    Path file = Files.write(dir.resolve("long"), new byte[] {0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3, 4});

    assertThatThrownBy(() -> IdxReader.readLabels(file))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("end after 2 data bytes for [2], found 2 more");
  }

  @Test
  void readImages_corruptGzip_namesFile() throws IOException {
    Path good = dir.resolve("g.gz");
    IdxWriter.writeImages(good, randomImages(50, 10, 10, 4));
    byte[] bytes = Files.readAllBytes(good);
    Path file = Files.write(dir.resolve("corrupt.gz"), Arrays.copyOf(bytes, bytes.length / 2));

    assertThatThrownBy(() -> IdxReader.readImages(file))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageStartingWith(file.toString());
  }

  @Test
  void readImages_negativeMaxCount_throwsIllegalArgument() {
    assertThatThrownBy(() -> IdxReader.readImages(dir.resolve("x"), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }

  @Test
  void writeLabels_outOfByteRange_throwsIllegalArgument() {
    assertThatThrownBy(() -> IdxWriter.writeLabels(dir.resolve("l"), new int[] {3, 256}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label 1 is 256");
  }

  private Path writeLabels(int[] labels) throws IOException {
    Path file = dir.resolve("labels-" + labels.length);
    IdxWriter.writeLabels(file, labels);
    return file;
  }
}
