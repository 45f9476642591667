package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImportanceWeightedEstimatorTest {

  private static ImportanceWeights weights(float[][] rows) {
    int k = rows[0].length;
    float[] data = new float[rows.length * k];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, data, i * k, k);
    }
    return ImportanceWeights.of(FloatTensor.of(data, rows.length, k));
  }

  @Test
  void add_equalWeights_logLikelihoodIsTheWeightAndEssIsK() {
    ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator(2, 4);
    estimator.add(0, weights(new float[][] {{-3, -3, -3, -3}, {-5, -5, -5, -5}}));

    assertThat(estimator.logLikelihood().value()).isCloseTo(-4.0, within(1e-12));
    assertThat(estimator.logLikelihood().standardError()).isCloseTo(1.0, within(1e-12));
    assertThat(estimator.effectiveSampleSizes()).containsExactly(new double[] {4, 4}, within(1e-9));
    assertThat(estimator.elbo().value()).isCloseTo(-4.0, within(1e-12));
  }

  @Test
  void add_oneDominantWeight_essIsOneAndEstimateIsLogMean() {
    ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator(1, 3);
    estimator.add(0, weights(new float[][] {{0, -1000, -1000}}));

    assertThat(estimator.effectiveSampleSizes()[0]).isCloseTo(1.0, within(1e-9));
    assertThat(estimator.logLikelihood().value()).isCloseTo(-Math.log(3), within(1e-12));
  }

  @Test
  void add_hugeNegativeLogWeights_doesNotUnderflow() {
    ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator(1, 2);
    estimator.add(0, weights(new float[][] {{-20000, -20001}}));

    double expected = -20000 + Math.log((1 + Math.exp(-1)) / 2);
    assertThat(estimator.logLikelihood().value()).isCloseTo(expected, within(1e-9));
    assertThat(estimator.effectiveSampleSizes()[0])
        .isCloseTo(Math.pow(1 + Math.exp(-1), 2) / (1 + Math.exp(-2)), within(1e-9));
  }

  @Test
  void curveKs_kBetweenTheStandardKs_endsWithK() {
    assertThat(ImportanceWeightedEstimator.curveKs(100)).containsExactly(1, 5, 50, 100);
    assertThat(ImportanceWeightedEstimator.curveKs(5000)).containsExactly(1, 5, 50, 500, 5000);
    assertThat(ImportanceWeightedEstimator.curveKs(1)).containsExactly(1);
  }

  @Test
  void curve_firstSamplesDiffer_eachPointUsesOnlyTheFirstKSamples() {
    float[] row = new float[50];
    java.util.Arrays.fill(row, -10);
    row[0] = -1;
    ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator(1, 50);
    estimator.add(0, weights(new float[][] {row}));

    var curve = estimator.curve();
    assertThat(curve).extracting(IwllPoint::k).containsExactly(1, 5, 50);
    assertThat(curve.get(0).logLikelihood().value()).isCloseTo(-1.0, within(1e-12));
    double five = Math.log((Math.exp(-1) + 4 * Math.exp(-10)) / 5);
    assertThat(curve.get(1).logLikelihood().value()).isCloseTo(five, within(1e-12));
  }

  @Test
  void add_rowsInAnyOrder_bitIdenticalResults() {
    float[][] rows = new float[6][3];
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 3; j++) {
        rows[i][j] = (float) (-0.37 * i * i - 1.3 * j + 0.01 * i * j);
      }
    }
    ImportanceWeightedEstimator forward = new ImportanceWeightedEstimator(6, 3);
    forward.add(0, weights(rows));
    ImportanceWeightedEstimator shuffled = new ImportanceWeightedEstimator(6, 3);
    shuffled.add(4, weights(new float[][] {rows[4], rows[5]}));
    shuffled.add(0, weights(new float[][] {rows[0]}));
    shuffled.add(1, weights(new float[][] {rows[1], rows[2], rows[3]}));

    assertThat(shuffled.logLikelihood()).isEqualTo(forward.logLikelihood());
    assertThat(shuffled.curve()).isEqualTo(forward.curve());
    assertThat(shuffled.effectiveSampleSizes()).isEqualTo(forward.effectiveSampleSizes());
  }

  @Test
  void distortion_weightsWithoutComponents_throws() {
    ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator(1, 1);
    estimator.add(0, weights(new float[][] {{-1}}));

    assertThatThrownBy(estimator::distortion).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void logLikelihood_missingRow_throws() {
    ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator(2, 1);
    estimator.add(0, weights(new float[][] {{-1}}));

    assertThatThrownBy(estimator::logLikelihood)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("example 1");
  }

  @Test
  void add_components_distortionPlusRateIsMinusElbo() {
    FloatTensor px = FloatTensor.of(new float[] {-2, -4}, 1, 2);
    FloatTensor pz = FloatTensor.of(new float[] {-1, -1.5f}, 1, 2);
    FloatTensor qz = FloatTensor.of(new float[] {0.5f, 0.25f}, 1, 2);
    float[] w = new float[2];
    for (int j = 0; j < 2; j++) {
      w[j] = px.data()[j] + pz.data()[j] - qz.data()[j];
    }
    ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator(1, 2);
    estimator.add(
        0,
        new ImportanceWeights(
            FloatTensor.of(w, 1, 2), Optional.of(px), Optional.of(pz), Optional.of(qz)));

    assertThat(estimator.distortion().value()).isCloseTo(3.0, within(1e-6));
    assertThat(estimator.rate().value()).isCloseTo(1.625, within(1e-6));
    assertThat(estimator.elbo().value()).isCloseTo(-4.625, within(1e-6));
  }

  /**
   * The IWAE estimate is a stochastic lower bound whose gap to log p(x) shrinks as k grows (Burda
   * et al. 2015, theorem 1): on a linear-Gaussian model with an imperfect encoder, per-example
   * differences to the exact log p(x) must be clearly negative at k = 1 and indistinguishable from
   * 0 (within 3 standard errors of the mean difference) at k = 5000.
   */
  @Test
  void logLikelihood_linearGaussianOracle_approachesExactLogLikelihoodAsKGrows() {
    LinearGaussianVae vae = new LinearGaussianVae(0.8, 1.5);
    int n = 200;
    int k = 5000;
    FloatTensor x = LinearGaussianVae.data(n, 11);
    double[] exact = vae.logMarginal(x);
    ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator(n, k);
    try (ReferenceInferenceClient client = ReferenceInferenceClient.of("ppca", 1, vae.weights())) {
      for (int from = 0; from < n; from += 50) {
        estimator.add(
            from,
            client.importanceWeights(
                new ModelKey("ppca", 1), x.rows(from, from + 50), from, k, 5, false));
      }
    }
    double[] atK = estimator.perExampleLogLikelihood();
    double[] differences = new double[n];
    for (int i = 0; i < n; i++) {
      differences[i] = atK[i] - exact[i];
    }
    Estimate gap = Estimate.ofSamples(differences);
    var curve = estimator.curve();
    double exactMean = Estimate.ofSamples(exact).value();
    double gapAtOne = exactMean - curve.get(0).logLikelihood().value();

    assertThat(Math.abs(gap.value())).isLessThan(3 * gap.standardError() + 1e-4);
    assertThat(gapAtOne).isGreaterThan(0.2);
    // The bound rises in expectation; one realization may dip by Monte Carlo noise between large
    // k, but not by the k = 1 gap.
    assertThat(curve.get(1).logLikelihood().value())
        .isGreaterThan(curve.get(0).logLikelihood().value() + 0.1);
    assertThat(estimator.meanEffectiveSampleSize()).isBetween(1.0, (double) k);
  }
}
