package io.latentserve.evaluator.probes;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.model.FloatTensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TribuoLinearProbeTest {
  private final TribuoLinearProbe probe = new TribuoLinearProbe();

  /**
   * n points in 3 dimensions, class c = which of 3 half-planes-separated clusters; the third unit
   * is noise. With {@code separable}, the classes are separated by a margin of 2 units.
   */
  private static Object[] data(int n, long seed, boolean separable) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * 3];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int c = random.nextInt(3);
      labels[i] = separable ? c : random.nextInt(3);
      x[i * 3] = (float) (4 * c + random.nextDouble());
      x[i * 3 + 1] = (float) (-3 * c + random.nextDouble());
      x[i * 3 + 2] = (float) random.nextGaussian();
    }
    return new Object[] {FloatTensor.of(x, n, 3), labels};
  }

  @Test
  void accuracy_linearlySeparableClasses_isOne() {
    Object[] train = data(400, 1, true);
    Object[] test = data(100, 2, true);

    double accuracy =
        probe.accuracy(
            (FloatTensor) train[0], (int[]) train[1], (FloatTensor) test[0], (int[]) test[1], 3);

    assertThat(accuracy).isEqualTo(1.0);
  }

  @Test
  void accuracy_labelsIndependentOfTheFeatures_isNearChance() {
    Object[] train = data(2000, 3, false);
    Object[] test = data(1000, 4, false);

    double accuracy =
        probe.accuracy(
            (FloatTensor) train[0], (int[]) train[1], (FloatTensor) test[0], (int[]) test[1], 3);

    // Chance is 1/3; the binomial standard deviation over 1000 test points is 0.015.
    assertThat(accuracy).isBetween(0.27, 0.40);
  }
}
