package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.TopDownLinearGaussian;
import java.util.EnumSet;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The information metrics of a top-down model against the closed forms of {@link
 * TopDownLinearGaussian} served with its exact posterior: there q(z|x) = p(z|x) and q(y|x) =
 * E_{q(z|x)} q(y|z, x) = p(y|x), with x drawn from the model, so for z ~ N(0, 1) and y ~ N(b, a^2 +
 * s^2)
 *
 * <pre>
 * I(x; z) = 0.5 log(1 / Var(z|x))
 * I(x; y) = 0.5 log((a^2 + s^2) / (Var(y|z, x) + k^2 Var(z|x))),  k = a / (s^2 prec_y)
 * I(x; y, z) = I(x; y) = E_x[R_y + R_z]   (x depends on z only through y; the posterior is exact)
 * </pre>
 */
public class TopDownInformationTest {
  /** The oracle, whose {@link TopDownLinearGaussian#exactWeights} the tests serve. */
  public static final TopDownLinearGaussian MODEL =
      new TopDownLinearGaussian(
          1.5, 0.2, 0.6, new double[] {1.0, -0.5, 0.8}, new double[] {0.1, 0, -0.2}, 0.5);

  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void evaluate_topDownExactPosterior_informationPerLayerMatchesClosedForms() {
    try (ReferenceInferenceClient client =
        ReferenceInferenceClient.of("hit-lg", 1, MODEL.exactWeights())) {
      assertInformationMatchesClosedForms(client, new ModelKey("hit-lg", 1), pool);
    }
  }

  /**
   * Evaluates {@code key}, serving {@link #MODEL}'s exact weights, on 2000 draws of x and checks
   * I(x; z), I(x; y), the KDE MI, per-layer rates and active-unit draws against the closed forms.
   */
  public static void assertInformationMatchesClosedForms(
      InferenceClient client, ModelKey key, ExecutorService pool) {
    int n = 2000;
    int draws = 32;
    FloatTensor x = sample(n, 11);
    {
      assertThat(client.describe(key).exactLayer()).isEqualTo(1);
      EvaluatorOptions options = new EvaluatorOptions(5000, 256, 1 << 18, 2, draws, 2000, 0, 0);
      EvaluationReport report =
          new Evaluator(client, options)
              .evaluate(
                  "eval-top-down",
                  new EvaluationRequest(
                      key,
                      x,
                      null,
                      "inline",
                      1,
                      EnumSet.of(
                          Metric.RATES,
                          Metric.ACTIVE_UNITS,
                          Metric.MUTUAL_INFORMATION,
                          Metric.KDE_MUTUAL_INFORMATION),
                      5,
                      0,
                      "",
                      null,
                      InformationRequest.none()),
                  pool,
                  ProgressListener.none(),
                  () -> false)
              .report();

      LayerReport y = report.layers().get(0);
      LayerReport z = report.layers().get(1);
      double varZ = MODEL.posteriorVarianceZ();
      double varY = MODEL.posteriorVarianceY();
      double slope = MODEL.a() * varY / (MODEL.s() * MODEL.s());
      double exactZ = 0.5 * Math.log(1 / varZ);
      double exactY =
          0.5
              * Math.log(
                  (MODEL.a() * MODEL.a() + MODEL.s() * MODEL.s()) / (varY + slope * slope * varZ));

      // The top layer's posterior is exact: its I(x; z) is the report's headline MI, with a
      // minibatch estimate beside it, and its mean needs no draws.
      Estimate miZ = z.mutualInformation().aggregate();
      assertThat(report.mutualInformation()).isEqualTo(z.mutualInformation());
      assertThat(z.mutualInformation().minibatch()).isFinite();
      assertThat(miZ.value()).isCloseTo(exactZ, within(4 * miZ.standardError() + 0.02));
      assertThat(z.activeUnitSamples()).isZero();
      // The KDE estimator reports the same exact layer: q(z) = N(0, 1) here, and the KDE of 2000
      // draws with Scott's factor 0.22 is N(0, 1.05), 0.0005 nats from it.
      Estimate kde = report.information().kdeMutualInformation();
      assertThat(kde.value()).isCloseTo(exactZ, within(4 * kde.standardError() + 0.02));

      // y's posterior is the mixture over draws of z: nested Monte Carlo, biased low by O(1/S).
      Estimate miY = y.mutualInformation().aggregate();
      assertThat(y.mutualInformation().minibatch()).isNaN();
      assertThat(miY.value()).isCloseTo(exactY, within(4 * miY.standardError() + 0.05));
      assertThat(y.activeUnitSamples()).isEqualTo(draws);

      // Per-layer rates: analytic R_z per example, R_y by draws of z; their sum is I(x; y, z).
      double rateZ = 0;
      double rateY = 0;
      for (int i = 0; i < n; i++) {
        double[] row = row(x, i);
        rateZ += MODEL.rateZ(row) / n;
        rateY += MODEL.rateY(row) / n;
      }
      assertThat(z.rate().value()).isCloseTo(rateZ, within(1e-3));
      assertThat(y.rate().value()).isCloseTo(rateY, within(0.02));
      assertThat(y.rate().value() + z.rate().value())
          .isCloseTo(exactY, within(4 * (miY.standardError() + miZ.standardError()) + 0.05));
      // The bounds of the notes: I(x; z) <= R_z, I(x; y) <= I(x; y, z) <= R_y + R_z.
      assertThat(miZ.value()).isLessThanOrEqualTo(z.rate().value() + 4 * miZ.standardError());
      assertThat(miY.value())
          .isLessThanOrEqualTo(y.rate().value() + z.rate().value() + 4 * miY.standardError());
    }
  }

  /**
   * I(z; label) and I(y; label) for the label l = 1[E[z|x] > 0], a function of x. With m = E[z|x] ~
   * N(0, 1 - v) (v = Var(z|x)), each latent u in {z, y} is jointly Gaussian with m, so P(l = 1 | u)
   * = Phi(E[m|u] / sd(m|u)) and I(u; l) = log 2 - E_u h_b(P(l = 1 | u)), a one-dimensional
   * integral.
   */
  @Test
  void evaluate_topDownExactPosterior_labelInformationPerLayerMatchesClosedForms() {
    int n = 2000;
    FloatTensor x = sample(n, 13);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = MODEL.posteriorMeanZ(row(x, i)) > 0 ? 1 : 0;
    }
    ModelKey key = new ModelKey("hit-lg", 1);
    try (ReferenceInferenceClient client =
        ReferenceInferenceClient.of("hit-lg", 1, MODEL.exactWeights())) {
      EvaluatorOptions options = new EvaluatorOptions(5000, 256, 1 << 18, 2, 32, 2000, 0, 0);
      EvaluationReport report =
          new Evaluator(client, options)
              .evaluate(
                  "eval-top-down-labels",
                  new EvaluationRequest(
                      key,
                      x,
                      null,
                      "inline",
                      1,
                      EnumSet.of(Metric.LABEL_INFORMATION),
                      7,
                      0,
                      "",
                      null,
                      new InformationRequest("", 0, labels)),
                  pool,
                  ProgressListener.none(),
                  () -> false)
              .report();

      double v = MODEL.posteriorVarianceZ();
      double varM = 1 - v;
      double exactZ = labelInformation(varM, varM, 1);
      double varY = MODEL.a() * MODEL.a() + MODEL.s() * MODEL.s();
      // m = k w.x + const and Cov(y, w.x) = |w|^2 Var(y), so Cov(y, m) = k |w|^2 Var(y), where
      // k |w|^2 = m(x = w) - m(x = 0).
      double kww = MODEL.posteriorMeanZ(MODEL.w()) - MODEL.posteriorMeanZ(new double[3]);
      double covYM = kww * varY;
      double exactY = labelInformation(varM, covYM, varY);

      Estimate z = report.layers().get(1).labels().information();
      Estimate y = report.layers().get(0).labels().information();
      assertThat(z.value()).isCloseTo(exactZ, within(4 * z.standardError() + 0.03));
      assertThat(y.value()).isCloseTo(exactY, within(4 * y.standardError() + 0.05));
      // Neither is trivial (0 or H(l) = log 2), and the two differ by more than the tolerances: y,
      // which x is closer to, carries more of the label than z here (0.54 against 0.39 nats).
      assertThat(exactZ).isBetween(0.2, Math.log(2) - 0.1);
      assertThat(exactY - exactZ).isGreaterThan(0.1);
    }
  }

  /**
   * I(u; 1[m > 0]) for jointly Gaussian zero-mean (u, m), nats, by the trapezoid rule over u.
   *
   * @param varM Var(m)
   * @param cov Cov(u, m)
   * @param varU Var(u)
   */
  private static double labelInformation(double varM, double cov, double varU) {
    double slope = cov / varU;
    double sd = Math.sqrt(varM - cov * cov / varU);
    double step = 1e-3;
    double expected = 0;
    for (double t = -10; t <= 10; t += step) {
      double p = phi(slope * t * Math.sqrt(varU) / sd);
      double h = (p <= 0 || p >= 1) ? 0 : -p * Math.log(p) - (1 - p) * Math.log(1 - p);
      expected += h * Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI) * step;
    }
    return Math.log(2) - expected;
  }

  /** The standard normal CDF by Abramowitz and Stegun 7.1.26 (error < 1.5e-7). */
  private static double phi(double t) {
    double u = Math.abs(t) / Math.sqrt(2);
    double r = 1 / (1 + 0.3275911 * u);
    double erf =
        1
            - r
                * (0.254829592
                    + r * (-0.284496736 + r * (1.421413741 + r * (-1.453152027 + r * 1.061405429))))
                * Math.exp(-u * u);
    return t >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
  }

  /** n examples x ~ p(x) of the model, [n, D]. */
  private static FloatTensor sample(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] w = MODEL.w();
    double[] c = MODEL.c();
    int d = w.length;
    float[] x = new float[n * d];
    for (int i = 0; i < n; i++) {
      double z = random.nextGaussian();
      double y = MODEL.a() * z + MODEL.b() + MODEL.s() * random.nextGaussian();
      for (int j = 0; j < d; j++) {
        x[i * d + j] = (float) (w[j] * y + c[j] + MODEL.sigma() * random.nextGaussian());
      }
    }
    return FloatTensor.of(x, n, d);
  }

  private static double[] row(FloatTensor x, int i) {
    int d = x.rowSize();
    double[] out = new double[d];
    for (int j = 0; j < d; j++) {
      out[j] = x.data()[i * d + j];
    }
    return out;
  }
}
