package io.latentserve.trainer.core.dvae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SmoothingTest {
  static Stream<Arguments> smoothings() {
    return Stream.of(
        Arguments.of(new SpikeExp(5), 0.3),
        Arguments.of(new SpikeExp(5), 0.8),
        Arguments.of(new ExponentialSmoothing(12), 0.3),
        Arguments.of(new ExponentialSmoothing(2), 0.6),
        Arguments.of(new PowerSmoothing(30), 0.3),
        Arguments.of(new PowerSmoothing(3), 0.7),
        Arguments.of(new UniformExpSmoothing(30), 0.4),
        Arguments.of(new UniformExpSmoothing(4), 0.9),
        Arguments.of(new GaussianSmoothing(30), 0.3),
        Arguments.of(new GaussianSmoothing(4), 0.5));
  }

  /**
   * Draws z ~ Bern(q), zeta ~ r(.|z) and compares the empirical CDF with the analytic mixture CDF:
   * the Kolmogorov-Smirnov distance of 40000 draws stays under 1.95 / sqrt(n) (its 0.1% quantile).
   */
  @ParameterizedTest
  @MethodSource("smoothings")
  void sample_empiricalCdf_matchesAnalyticCdf(Smoothing smoothing, double q) {
    int n = 40_000;
    SplittableRandom random = new SplittableRandom(17);
    double[] zeta = new double[n];
    for (int i = 0; i < n; i++) {
      zeta[i] = smoothing.sample(random.nextDouble() < q, random.nextDouble());
    }
    Arrays.sort(zeta);
    double ks = 0;
    for (int i = 0; i < n; i++) {
      // at an atom (spike-and-exp's zeta = 0) only the CDF after the jump is comparable
      if (i + 1 < n && zeta[i + 1] == zeta[i]) {
        continue;
      }
      double f = smoothing.cdf(q, zeta[i]);
      ks = Math.max(ks, Math.abs((i + 1.0) / n - f));
      if (i == 0 || zeta[i - 1] != zeta[i]) {
        ks = Math.max(ks, Math.abs((double) i / n - f));
      }
    }
    assertThat(ks).isLessThan(1.95 / Math.sqrt(n));
  }

  /** The sampler is the inverse of each component's CDF. */
  @ParameterizedTest
  @MethodSource("smoothings")
  void sample_invertsComponentCdfs(Smoothing smoothing, double ignored) {
    for (double rho : new double[] {0.01, 0.2, 0.5, 0.77, 0.99}) {
      double one = smoothing.sample(true, rho);
      // power with a large beta rounds 1 - rho^beta to 1 in double precision: nothing to invert
      if (one != 1) {
        assertThat(smoothing.cdf1(one)).isCloseTo(rho, within(1e-9));
      }
      if (smoothing.kind() != SmoothingKind.SPIKE_EXP) {
        assertThat(smoothing.cdf0(smoothing.sample(false, rho))).isCloseTo(rho, within(1e-9));
      }
    }
  }

  /** Densities integrate to one and are the derivatives of the CDFs. */
  @ParameterizedTest
  @MethodSource("smoothings")
  void density_isDerivativeOfCdf(Smoothing smoothing, double q) {
    double h = 1e-6;
    for (double zeta : new double[] {0.05, 0.3, 0.5, 0.71, 0.95}) {
      double numeric = (smoothing.cdf(q, zeta + h) - smoothing.cdf(q, zeta - h)) / (2 * h);
      assertThat(smoothing.density(q, zeta))
          .isCloseTo(numeric, within(1e-5 * Math.max(1, Math.abs(numeric))));
    }
  }

  /**
   * The implicit gradient d zeta / d q against finite differences of the draw at a fixed mixture
   * uniform u = F(zeta; q): zeta(q + h) solves F(zeta; q + h) = u.
   */
  @ParameterizedTest
  @MethodSource("smoothings")
  void gradient_matchesFiniteDifferences(Smoothing smoothing, double q) {
    SplittableRandom random = new SplittableRandom(3);
    double h = 1e-6;
    int checked = 0;
    for (int i = 0; i < 30; i++) {
      double zeta = smoothing.sample(random.nextDouble() < q, random.nextDouble());
      double u = smoothing.cdf(q, zeta);
      if (smoothing.kind() == SmoothingKind.SPIKE_EXP && zeta == 0) {
        assertThat(smoothing.gradient(q, zeta)).isZero();
        continue;
      }
      double numeric = (solve(smoothing, q + h, u) - solve(smoothing, q - h, u)) / (2 * h);
      assertThat(smoothing.gradient(q, zeta))
          .as("zeta %s", zeta)
          .isCloseTo(numeric, within(1e-4 * Math.max(1, Math.abs(numeric))));
      checked++;
    }
    assertThat(checked).isGreaterThan(5);
  }

  /** The zeta with F(zeta; q) = u, by bisection. */
  private static double solve(Smoothing smoothing, double q, double u) {
    double lo = smoothing.kind() == SmoothingKind.GAUSSIAN ? -10 : 0;
    double hi = smoothing.kind() == SmoothingKind.GAUSSIAN ? 11 : 1;
    for (int i = 0; i < 200; i++) {
      double mid = (lo + hi) / 2;
      if (smoothing.cdf(q, mid) < u) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2;
  }

  @Test
  void normal_quantileAndCdf_agreeWithKnownValues() {
    assertThat(Normal.cdf(1.959963984540054)).isCloseTo(0.975, within(1e-12));
    assertThat(Normal.cdf(-3)).isCloseTo(0.0013498980316301, within(1e-13));
    assertThat(Normal.quantile(0.975)).isCloseTo(1.959963984540054, within(1e-10));
    assertThat(Normal.quantile(1e-6)).isCloseTo(-4.753424308822899, within(1e-8));
  }

  @Test
  void defaultBeta_followsTheOriginalTable() {
    assertThat(SmoothingKind.POWER.defaultBeta(true, false, 1)).isEqualTo(40);
    assertThat(SmoothingKind.POWER.defaultBeta(false, false, 1)).isEqualTo(30);
    assertThat(SmoothingKind.SPIKE_EXP.defaultBeta(false, false, 1)).isEqualTo(5);
    assertThat(SmoothingKind.EXP.defaultBeta(false, false, 1)).isEqualTo(14);
    assertThat(SmoothingKind.EXP.defaultBeta(true, true, 1)).isEqualTo(12);
    assertThat(SmoothingKind.GAUSSIAN.defaultBeta(true, false, 4)).isEqualTo(25);
  }

  @Test
  void of_badBeta_isRejected() {
    assertThatThrownBy(() -> Smoothing.of(SmoothingKind.POWER, 0))
        .hasMessage("beta must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> SmoothingKind.byName("gi"))
        .hasMessageContaining("unknown smoothing \"gi\", expected one of spike-exp, exp");
  }
}
