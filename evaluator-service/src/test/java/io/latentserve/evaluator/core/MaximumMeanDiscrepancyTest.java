package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MaximumMeanDiscrepancyTest {

  private static FloatTensor gaussian(int n, int d, double shift, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * d];
    for (int i = 0; i < x.length; i++) {
      double u1 = 1 - random.nextDouble();
      double u2 = random.nextDouble();
      x[i] = (float) (shift + Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    return FloatTensor.of(x, n, d);
  }

  @Test
  void squaredUnbiased_sameDistribution_isNearZero() {
    double mmd =
        MaximumMeanDiscrepancy.squaredUnbiased(gaussian(800, 3, 0, 1), gaussian(800, 3, 0, 2));

    assertThat(mmd).isCloseTo(0.0, within(3e-3));
  }

  /**
   * N(0, I) against N(m 1, I) in d = 2, kernel exp(-|a-b|^2 / h) with h = d^2 = 4: for u ~ N(mu,
   * 2I), E exp(-|u|^2 / h) = (1 + 4/h)^(-d/2) exp(-|mu|^2 / (h + 4)), so E k(x, x') = 1/2 for both
   * and E k(x, y) = exp(-2 m^2 / 8) / 2.
   */
  @Test
  void squaredUnbiased_shiftedGaussians_matchesClosedForm() {
    double m = 1.0;
    double exact = 1 - Math.exp(-2 * m * m / 8);

    double mmd =
        MaximumMeanDiscrepancy.squaredUnbiased(gaussian(1000, 2, 0, 3), gaussian(1000, 2, m, 4));

    assertThat(mmd).isCloseTo(exact, within(0.01));
  }
}
