package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The reference math of each latent family against exact enumeration and closed forms: the
 * Bernoulli mass sums to one over all states, its analytic KL equals the enumerated one, its
 * counter-based samples have the probabilities sigmoid(l); the Gaussian KL matches its closed form.
 */
class LatentFamilyTest {
  private static final LatentFamily BERNOULLI = LatentFamily.BERNOULLI;
  private static final LatentFamily GAUSSIAN = LatentFamily.GAUSSIAN;

  @Test
  void byName_knownAndUnknown_findsOrNamesTheChoices() {
    assertThat(LatentFamily.byName("bernoulli")).isSameAs(BERNOULLI);
    assertThat(LatentFamily.byName("gaussian")).isSameAs(GAUSSIAN);
    assertThatThrownBy(() -> LatentFamily.byName("poisson"))
        .hasMessage("unknown latent family \"poisson\", expected one of gaussian, bernoulli");
  }

  @Test
  void bernoulliLogDensity_allStates_sumsToOne() {
    double[][] logits = {{-3.5, 0.2, 1.7, 40}};
    double total = 0;
    for (double[] z : states(4)) {
      total += Math.exp(BERNOULLI.logDensity(z, logits));
    }
    assertThat(total).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void bernoulliKl_againstEnumeration_isExact() {
    double[][] q = {{-1.2, 0.4, 3.0, -0.1, 7.5}};
    double[][] p = {{0.3, -2.0, 1.0, 0.0, -7.5}};
    double enumerated = 0;
    for (double[] z : states(5)) {
      double logQ = BERNOULLI.logDensity(z, q);
      enumerated += Math.exp(logQ) * (logQ - BERNOULLI.logDensity(z, p));
    }
    assertThat(BERNOULLI.klDivergence(q, p)).isCloseTo(enumerated, within(1e-12));
    assertThat(BERNOULLI.klDivergence(q, q)).isCloseTo(0, within(1e-15));
  }

  /** 200,000 counter-based draws per unit: frequencies within 5 standard errors of sigmoid(l). */
  @Test
  void bernoulliSample_logisticCounterNoise_hasProbabilitySigmoidOfLogits() {
    double[][] logits = {{-2.0, 0.0, 0.7, 3.0}};
    double[] expected = BERNOULLI.expectation(logits);
    int draws = 200_000;
    double[] ones = new double[4];
    float[] noise = new float[4];
    double[] eps = new double[4];
    for (int row = 0; row < draws; row++) {
      long key = CounterNoise.rowKey(5, CounterNoise.Stream.LATENT, row);
      BERNOULLI.noise().fill(key, 0, noise, 0, 4);
      for (int j = 0; j < 4; j++) {
        eps[j] = noise[j];
      }
      double[] z = BERNOULLI.sample(logits, eps);
      for (int j = 0; j < 4; j++) {
        assertThat(z[j]).isIn(0.0, 1.0);
        ones[j] += z[j];
      }
    }
    for (int j = 0; j < 4; j++) {
      double p = expected[j];
      double se = Math.sqrt(p * (1 - p) / draws);
      assertThat(ones[j] / draws).as("unit %d", j).isCloseTo(p, within(5 * se));
    }
  }

  @Test
  void gaussianKl_closedForm_matchesKnownValue() {
    // KL(N(1, e^0.5) || N(0, 1)) = 0.5 (e^0.5 + 1 - 1 - 0.5) per unit
    double[][] q = {{1.0, 0.0}, {0.5, 0.0}};
    double[][] p = GAUSSIAN.standardParameters(2);
    double expected = 0.5 * (Math.exp(0.5) + 1 - 1 - 0.5) + 0.0;
    assertThat(GAUSSIAN.klDivergence(q, p)).isCloseTo(expected, within(1e-14));
  }

  @Test
  void support_eachFamily_acceptsOnlyItsValues() {
    assertThat(BERNOULLI.inSupport(0f)).isTrue();
    assertThat(BERNOULLI.inSupport(1f)).isTrue();
    assertThat(BERNOULLI.inSupport(0.5f)).isFalse();
    assertThat(BERNOULLI.inSupport(Float.NaN)).isFalse();
    assertThat(GAUSSIAN.inSupport(-3.2f)).isTrue();
    assertThat(GAUSSIAN.inSupport(Float.POSITIVE_INFINITY)).isFalse();
  }

  @Test
  void logisticNoise_sameCounter_sameValueAndFinite() {
    float[] a = new float[1000];
    float[] b = new float[10];
    long key = CounterNoise.rowKey(9, CounterNoise.Stream.LATENT, 3);
    CounterNoise.logistic(key, 0, a, 0, a.length);
    CounterNoise.logistic(key, 500, b, 0, b.length);
    for (int i = 0; i < b.length; i++) {
      assertThat(b[i]).isEqualTo(a[500 + i]);
    }
    double mean = 0;
    double square = 0;
    for (float v : a) {
      assertThat(Float.isFinite(v)).isTrue();
      mean += v / a.length;
      square += (double) v * v / a.length;
    }
    // Logistic(0, 1): mean 0, variance pi^2 / 3 = 3.29; 1000 draws give SE 0.057 for the mean.
    assertThat(mean).isCloseTo(0, within(0.25));
    assertThat(square - mean * mean).isCloseTo(Math.PI * Math.PI / 3, within(0.6));
  }

  private static double[][] states(int d) {
    double[][] out = new double[1 << d][d];
    for (int s = 0; s < out.length; s++) {
      for (int j = 0; j < d; j++) {
        out[s][j] = (s >> j) & 1;
      }
    }
    return out;
  }
}
