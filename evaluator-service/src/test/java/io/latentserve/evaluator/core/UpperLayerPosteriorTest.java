package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Layers above the first: E_q[z_l|x] by sampling the layers below (not mu_l(mu_{l-1}(x))), and I(x;
 * z_l) per layer.
 */
class UpperLayerPosteriorTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
  }

  /**
   * A chain with a closed form: x_n ~ N(0, 1) (the data), z1|x ~ N(x, v1), z2|z1 ~ N(z1, v2), so
   * q(z2|x) = N(x, v1 + v2) and I(x; z2) = 0.5 log((1 + v1 + v2) / (v1 + v2)) for x ~ N(0, 1).
   */
  @Test
  void aggregateMixture_gaussianChain_convergesToClosedForm() {
    int n = 3000;
    int draws = 32;
    double v1 = 0.3;
    double v2 = 0.2;
    SplittableRandom random = new SplittableRandom(3);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    List<LayerDistribution> conditionals = new ArrayList<>();
    float[] logVar = new float[n];
    java.util.Arrays.fill(logVar, (float) Math.log(v2));
    for (int s = 0; s < draws; s++) {
      float[] z1 = new float[n];
      float[] z2 = new float[n];
      for (int i = 0; i < n; i++) {
        z1[i] = (float) (x[i] + Math.sqrt(v1) * random.nextGaussian());
        z2[i] = (float) (z1[i] + Math.sqrt(v2) * random.nextGaussian());
      }
      conditionals.add(
          LayerDistribution.gaussian(
              "z2",
              FloatTensor.of(z1, n, 1),
              FloatTensor.of(logVar.clone(), n, 1),
              s == 0 ? Optional.of(FloatTensor.of(z2, n, 1)) : Optional.empty()));
    }

    Estimate mi = MutualInformationEstimator.aggregateMixture(conditionals);

    double exact = 0.5 * Math.log((1 + v1 + v2) / (v1 + v2));
    // Nested Monte Carlo with 32 draws: biased low by about Var/(2S) of the mixture; allow it and
    // 4 standard errors.
    assertThat(mi.value()).isCloseTo(exact, within(4 * mi.standardError() + 0.03));
    assertThat(mi.value()).isLessThanOrEqualTo(Math.log(n));
  }

  @Test
  void aggregateMixture_identicalDraws_isTheSingleLayerEstimator() {
    FloatTensor mean = LinearGaussianVae.data(200, 1).rows(0, 200);
    int n = 200;
    int d = mean.rowSize();
    float[] logVar = new float[n * d];
    float[] z = mean.data().clone();
    for (int i = 0; i < z.length; i++) {
      z[i] += 0.1f * (i % 7 - 3);
    }
    LayerDistribution q =
        LayerDistribution.gaussian(
            "z", mean, FloatTensor.of(logVar, n, d), Optional.of(FloatTensor.of(z, n, d)));

    Estimate mixture = MutualInformationEstimator.aggregateMixture(List.of(q, q, q));

    assertThat(mixture.value())
        .isCloseTo(MutualInformationEstimator.aggregate(q).value(), within(1e-9));
  }

  /**
   * A two-layer model whose second encoder is nonlinear (tanh): the evaluator's layer-2 activity
   * must match Cov_x of E_q[z2|x] estimated here with many more draws, and must not be what the
   * deterministic pass mu2(mu1(x)) gives.
   */
  @Test
  void evaluate_twoLayerTanhEncoder_upperActivityFromSampledMeansAndMiPerLayer() {
    VaeArchitecture architecture =
        new VaeArchitecture(
            6,
            List.of(
                new StochasticLayer("z1", 3, List.of(8)), new StochasticLayer("z2", 2, List.of(8))),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    VaeWeights weights = VaeWeights.random(architecture, 17);
    int n = 300;
    int draws = 64;
    FloatTensor x = binary(n, 6, 5);
    ModelKey key = new ModelKey("two", 1);
    try (ReferenceInferenceClient client = ReferenceInferenceClient.of("two", 1, weights)) {
      EvaluatorOptions options = new EvaluatorOptions(5000, 64, 1 << 18, 2, draws, 2000, 0, 0);
      EvaluationReport report =
          new Evaluator(client, options)
              .evaluate(
                  "eval-upper",
                  new EvaluationRequest(
                      key,
                      x,
                      "inline",
                      1,
                      EnumSet.of(Metric.ACTIVE_UNITS, Metric.MUTUAL_INFORMATION),
                      9,
                      0,
                      ""),
                  pool,
                  ProgressListener.none(),
                  () -> false)
              .report();

      LayerReport z1 = report.layers().get(0);
      LayerReport z2 = report.layers().get(1);
      assertThat(z1.activeUnitSamples()).isZero();
      assertThat(z2.activeUnitSamples()).isEqualTo(draws);

      // E_q[z2|x] by 1024 draws of z1, each example's mean of E[z2|z1].
      double[][] reference = new double[n][2];
      for (int s = 0; s < 1024; s++) {
        Encoding e = client.encode(key, x, null, true, 1000 + s, 0);
        float[] mean = e.layers().get(1).expectation().data();
        for (int i = 0; i < n; i++) {
          for (int c = 0; c < 2; c++) {
            reference[i][c] += mean[i * 2 + c] / 1024.0;
          }
        }
      }
      double[] exactActivity = covarianceDiagonal(reference);
      float[] deterministic =
          client.encode(key, x, null, false, 1, 0).layers().get(1).expectation().data();
      double[][] plugIn = new double[n][2];
      for (int i = 0; i < n; i++) {
        plugIn[i][0] = deterministic[i * 2];
        plugIn[i][1] = deterministic[i * 2 + 1];
      }
      double[] plugInActivity = covarianceDiagonal(plugIn);
      for (int c = 0; c < 2; c++) {
        // 64 draws add about Var(E[z2|z1]) / 64 to each example's mean's variance: within 10%.
        assertThat(z2.activity()[c])
            .as("unit %d: sampled %s, plug-in %s", c, exactActivity[c], plugInActivity[c])
            .isCloseTo(exactActivity[c], within(0.1 * exactActivity[c] + 1e-4));
      }

      // The deterministic pass is another quantity here: the old report would fail the check above.
      assertThat(
              Math.max(
                  Math.abs(plugInActivity[0] - exactActivity[0]) / exactActivity[0],
                  Math.abs(plugInActivity[1] - exactActivity[1]) / exactActivity[1]))
          .isGreaterThan(0.1);

      assertThat(z1.mutualInformation()).isEqualTo(report.mutualInformation());
      assertThat(z2.mutualInformation()).isNotNull();
      // Data processing: I(x; z2) <= I(x; z1), up to the estimators' errors.
      assertThat(z2.mutualInformation().aggregate().value())
          .isLessThanOrEqualTo(
              z1.mutualInformation().aggregate().value()
                  + 4 * z1.mutualInformation().aggregate().standardError());
      assertThat(z2.mutualInformation().aggregate().value()).isPositive();
    }
  }

  private static double[] covarianceDiagonal(double[][] rows) {
    int d = rows[0].length;
    double[] out = new double[d];
    for (int c = 0; c < d; c++) {
      double mean = 0;
      for (double[] r : rows) {
        mean += r[c] / rows.length;
      }
      double var = 0;
      for (double[] r : rows) {
        var += (r[c] - mean) * (r[c] - mean) / rows.length;
      }
      out[c] = var;
    }
    return out;
  }

  private static FloatTensor binary(int n, int d, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * d];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextInt(2);
    }
    return FloatTensor.of(x, n, d);
  }
}
