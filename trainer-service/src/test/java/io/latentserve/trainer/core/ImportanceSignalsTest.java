package io.latentserve.trainer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImportanceSignalsTest {
  /** The definitions, evaluated directly (exp of moderate values, no shifting). */
  private static double[] naiveVimco(double[] logW, int k) {
    double[] out = new double[k];
    double total = 0;
    double sumLog = 0;
    for (double v : logW) {
      total += Math.exp(v);
      sumLog += v;
    }
    double bound = Math.log(total / k);
    for (int j = 0; j < k; j++) {
      double geometric = Math.exp((sumLog - logW[j]) / (k - 1));
      out[j] = bound - Math.log((total - Math.exp(logW[j]) + geometric) / k);
    }
    return out;
  }

  @Test
  void vimcoSignals_moderateWeights_matchTheDefinition() {
    SplittableRandom random = new SplittableRandom(1);
    for (int k : new int[] {2, 3, 7, 50}) {
      double[] logW = new double[2 * k];
      for (int i = 0; i < logW.length; i++) {
        logW[i] = random.nextDouble() * 6 - 3;
      }
      double[] signals = ImportanceSignals.vimcoSignals(logW, 2, k);
      double[] weights = ImportanceSignals.normalizedWeights(logW, 2, k);
      for (int r = 0; r < 2; r++) {
        double[] row = java.util.Arrays.copyOfRange(logW, r * k, (r + 1) * k);
        double[] expected = naiveVimco(row, k);
        double total = 0;
        for (double v : row) {
          total += Math.exp(v);
        }
        for (int j = 0; j < k; j++) {
          assertThat(signals[r * k + j]).isCloseTo(expected[j], within(1e-12));
          assertThat(weights[r * k + j]).isCloseTo(Math.exp(row[j]) / total, within(1e-14));
        }
      }
    }
  }

  @Test
  void vimcoSignals_hugeAndDominantLogWeights_finiteAndShiftInvariant() {
    double[] logW = {-3000, -3040, -3001.5, -2950};
    double[] shifted = {-50, -90, -51.5, 0};
    double[] a = ImportanceSignals.vimcoSignals(logW, 1, 4);
    double[] b = ImportanceSignals.vimcoSignals(shifted, 1, 4);
    for (int j = 0; j < 4; j++) {
      assertThat(a[j]).isFinite().isCloseTo(b[j], within(1e-9));
    }
    // the dominant sample: its baseline replaces it by the geometric mean of the others
    double others = Math.log(Math.exp(-50) + Math.exp(-90) + Math.exp(-51.5));
    double geometric = (-50 - 90 - 51.5) / 3.0;
    double expected =
        Math.log1p(Math.exp(others)) - Math.log(Math.exp(others) + Math.exp(geometric));
    assertThat(b[3]).isCloseTo(expected, within(1e-12));
    assertThat(ImportanceSignals.logMeanExp(logW, 1, 4)[0])
        .isCloseTo(-2950 + Math.log1p(Math.exp(others)) - Math.log(4), within(1e-9));
  }

  @Test
  void vimcoSignals_oneSample_rejected() {
    assertThatThrownBy(() -> ImportanceSignals.vimcoSignals(new double[] {1, 2}, 2, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("VIMCO needs k >= 2, got 1");
  }
}
