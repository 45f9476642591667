package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BinarizerTest {
  private static Dataset constant(float intensity, int n, int d) {
    float[] x = new float[n * d];
    Arrays.fill(x, intensity);
    return Dataset.of("const", Split.TRAIN, x, new int[n], 1, d);
  }

  private static Dataset ramp(int n, int d) {
    float[] x = new float[n * d];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 97) / 96f;
    }
    return Dataset.of("ramp", Split.TEST, x, new int[n], 1, d);
  }

  @Test
  void binarize_anyBatching_givesTheSameBits() {
    Dataset data = ramp(50, 30);
    Binarizer binarizer = new Binarizer(11);
    FloatTensor whole = binarizer.binarize(data, 0, 50);

    float[] pieces = new float[50 * 30];
    int[][] batches = {{0, 7}, {7, 8}, {8, 31}, {31, 50}};
    for (int[] b : batches) {
      FloatTensor part = binarizer.binarize(data.rows(b[0], b[1]), b[0]);
      System.arraycopy(part.data(), 0, pieces, b[0] * 30, part.size());
    }

    assertThat(pieces).isEqualTo(whole.data());
    assertThat(binarizer.binarize(data, 20, 21).data())
        .isEqualTo(Arrays.copyOfRange(whole.data(), 20 * 30, 21 * 30));
  }

  @Test
  void binarize_sameSeed_isDeterministicAndOtherSeedDiffers() {
    Dataset data = ramp(20, 40);

    float[] a = new Binarizer(5).binarize(data, 0, 20).data();
    float[] b = new Binarizer(5).binarize(data, 0, 20).data();
    float[] c = new Binarizer(6).binarize(data, 0, 20).data();

    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
    for (float v : a) {
      assertThat(v).isIn(0f, 1f);
    }
  }

  @Test
  void binarize_meanMatchesIntensity() {
    int n = 200;
    int d = 500;
    for (float p : new float[] {0.1f, 0.5f, 0.83f}) {
      float[] bits = new Binarizer(123).binarize(constant(p, n, d), 0, n).data();
      double mean = 0;
      for (float v : bits) {
        mean += v;
      }
      mean /= bits.length;
      // 100,000 draws: standard error sqrt(p(1-p)/1e5) <= 0.0016; allow 4 of them.
      assertThat(mean).as("p=%s", p).isCloseTo(p, within(0.0064));
    }
  }

  @Test
  void binarize_extremeIntensities_areExact() {
    float[] zeros = new Binarizer(1).binarize(constant(0f, 10, 100), 0, 10).data();
    float[] ones = new Binarizer(1).binarize(constant(1f, 10, 100), 0, 10).data();

    for (int i = 0; i < zeros.length; i++) {
      assertThat(zeros[i]).isEqualTo(0f);
      assertThat(ones[i]).isEqualTo(1f);
    }
  }
}
