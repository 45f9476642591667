package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** HIT's class-wise aggregate estimator of I(z; label) and Fano's ceiling against closed forms. */
class LabelInformationTest {

  /** One posterior N(centre of the label, sd^2) per example in 1 dimension, z_i drawn from it. */
  private static LayerDistribution classPosteriors(int[] labels, double[] centres, double sd) {
    int n = labels.length;
    SplittableRandom random = new SplittableRandom(3);
    float[] mean = new float[n];
    float[] logVar = new float[n];
    float[] z = new float[n];
    for (int i = 0; i < n; i++) {
      mean[i] = (float) centres[labels[i]];
      logVar[i] = (float) (2 * Math.log(sd));
      z[i] = (float) (mean[i] + sd * gaussian(random));
    }
    return LayerDistribution.gaussian(
        "z",
        FloatTensor.of(mean, n, 1),
        FloatTensor.of(logVar, n, 1),
        Optional.of(FloatTensor.of(z, n, 1)));
  }

  private static double gaussian(SplittableRandom random) {
    double u1 = 1 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  private static int[] labels(int... counts) {
    int n = 0;
    for (int c : counts) {
      n += c;
    }
    int[] labels = new int[n];
    int i = 0;
    for (int c = 0; c < counts.length; c++) {
      for (int k = 0; k < counts[c]; k++) {
        labels[i++] = c;
      }
    }
    return labels;
  }

  @Test
  void labelAggregate_samePosteriorForEveryClass_isZero() {
    int[] labels = labels(30, 50, 20);

    Estimate mi =
        MutualInformationEstimator.labelAggregate(
            List.of(classPosteriors(labels, new double[] {0, 0, 0}, 1)), labels, 3);

    assertThat(mi.value()).isCloseTo(0, within(1e-12));
  }

  @Test
  void labelAggregate_separatedClasses_isTheLabelEntropy() {
    // z determines the label: I(z; label) = H(label) = sum_c (N_c/N) log(N/N_c), here unbalanced.
    int[] labels = labels(30, 50, 20);

    Estimate mi =
        MutualInformationEstimator.labelAggregate(
            List.of(classPosteriors(labels, new double[] {-100, 0, 100}, 0.1)), labels, 3);

    double entropy = -(0.3 * Math.log(0.3) + 0.5 * Math.log(0.5) + 0.2 * Math.log(0.2));
    assertThat(MutualInformationEstimator.labelEntropy(labels, 3))
        .isCloseTo(entropy, within(1e-12));
    assertThat(mi.value()).isCloseTo(entropy, within(1e-9));
  }

  @Test
  void labelAggregate_overlappingClasses_matchesTheIntegralByQuadrature() {
    // q(z | class c) = N(+-1, 1), balanced: I = int sum_c 0.5 N(z; mu_c, 1) log(N(z; mu_c)/m(z)).
    // Every example of a class has the same posterior, so the class aggregate is exact and the
    // estimate is an unbiased Monte Carlo mean: 4 standard errors.
    int[] labels = labels(3000, 3000);

    Estimate mi =
        MutualInformationEstimator.labelAggregate(
            List.of(classPosteriors(labels, new double[] {-1, 1}, 1)), labels, 2);

    double exact = 0;
    double h = 1e-3;
    for (double z = -12; z <= 12; z += h) {
      double p0 = Math.exp(-0.5 * (z + 1) * (z + 1)) / Math.sqrt(2 * Math.PI);
      double p1 = Math.exp(-0.5 * (z - 1) * (z - 1)) / Math.sqrt(2 * Math.PI);
      double m = 0.5 * (p0 + p1);
      exact += h * 0.5 * (p0 * Math.log(p0 / m) + p1 * Math.log(p1 / m));
    }
    assertThat(exact).isBetween(0.2, 0.4);
    assertThat(mi.value()).isCloseTo(exact, within(4 * mi.standardError()));
    assertThat(mi.standardError()).isLessThan(0.01);
  }

  @Test
  void labelAggregate_mixtureOfIdenticalDraws_equalsTheSingleDraw() {
    int[] labels = labels(40, 60);
    LayerDistribution q = classPosteriors(labels, new double[] {-0.5, 0.5}, 1);

    Estimate one = MutualInformationEstimator.labelAggregate(List.of(q), labels, 2);
    Estimate three = MutualInformationEstimator.labelAggregate(List.of(q, q, q), labels, 2);

    assertThat(three.value()).isCloseTo(one.value(), within(1e-12));
  }

  @Test
  void fano_binaryLabelWithTenPercentErrorEntropyLeft_givesNinetyPercent() {
    double hb = -(0.1 * Math.log(0.1) + 0.9 * Math.log(0.9));
    double information = Math.log(2) - hb;

    assertThat(FanoBound.accuracyCeiling(information, Math.log(2), 2))
        .isCloseTo(0.9, within(1e-12));
  }

  @Test
  void fano_tenClasses_solvesTheFanoEquation() {
    // I = log 10 - h_b(0.2) - 0.2 log 9  =>  acc = 0.8.
    double hb = -(0.2 * Math.log(0.2) + 0.8 * Math.log(0.8));
    double information = Math.log(10) - hb - 0.2 * Math.log(9);

    assertThat(FanoBound.accuracyCeiling(information, Math.log(10), 10))
        .isCloseTo(0.8, within(1e-12));
  }

  @Test
  void fano_noInformation_isChanceAndFullInformation_isOne() {
    assertThat(FanoBound.accuracyCeiling(0, Math.log(10), 10)).isCloseTo(0.1, within(1e-12));
    assertThat(FanoBound.accuracyCeiling(Math.log(10), Math.log(10), 10)).isEqualTo(1.0);
    assertThat(FanoBound.accuracyCeiling(3, Math.log(10), 10)).isEqualTo(1.0);
  }
}
