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
class TopDownInformationTest {
  private static final TopDownLinearGaussian MODEL =
      new TopDownLinearGaussian(
          1.5, 0.2, 0.6, new double[] {1.0, -0.5, 0.8}, new double[] {0.1, 0, -0.2}, 0.5);

  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void evaluate_topDownExactPosterior_informationPerLayerMatchesClosedForms() {
    int n = 2000;
    int draws = 32;
    FloatTensor x = sample(n, 11);
    ModelKey key = new ModelKey("hit-lg", 1);
    try (ReferenceInferenceClient client =
        ReferenceInferenceClient.of("hit-lg", 1, MODEL.exactWeights())) {
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
