package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.TopDownLinearGaussian;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae.Batch;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * HIT's objective D + beta_y R_y + beta_z R_z against the closed forms of a two-layer
 * linear-Gaussian model whose encoder is its exact posterior ({@link TopDownLinearGaussian}):
 * R_z(x) is KL(p(z|x) || N(0, 1)) exactly, R_y at sampled z averages to E_z KL(p(y|z, x) ||
 * p(y|z)), and the unweighted loss averages to -log p(x).
 */
class HitObjectiveTest {
  private static final TopDownLinearGaussian MODEL =
      new TopDownLinearGaussian(
          0.75, 0.5, 0.5, new double[] {1.0, -0.5, 0.25}, new double[] {0.25, 0, -0.5}, 0.5);
  private static final int ROWS = 20_000;
  private static final double[] X = {0.5, -1.25, 2.0};

  /** ROWS copies of X, and standard-normal noise for y and z. */
  private static Batch batch(long seed) {
    float[] x = new float[ROWS * X.length];
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < X.length; j++) {
        x[i * X.length + j] = (float) X[j];
      }
    }
    SplittableRandom r = new SplittableRandom(seed);
    float[][] eps = new float[2][ROWS];
    for (float[] e : eps) {
      for (int i = 0; i < ROWS; i++) {
        e[i] = (float) r.nextGaussian();
      }
    }
    return new Batch(x, ROWS, eps, null);
  }

  private static Map<String, INDArray> outputs(SameDiffVae model, Batch b, String... names) {
    Map<String, INDArray> ph = model.placeholders(b.x(), ROWS, b.eps(), 1, null, null);
    return model.graph().sameDiff().output(ph, names);
  }

  @Test
  void rates_exactPosterior_matchTheClosedFormPerLayerRates() {
    VaeArchitecture a = MODEL.architecture();
    try (SameDiffVae model =
        SameDiffVae.create(
            MODEL.exactWeights(), new Objective.Hit(1, 1, 0), 1e-3, DataType.DOUBLE)) {
      String rateY = VaeGraph.rate(a.layer(0));
      String rateZ = VaeGraph.rate(a.layer(1));
      Map<String, INDArray> out = outputs(model, batch(1), rateY, rateZ, VaeGraph.LOSS);

      // R_z is analytic given x: no Monte Carlo error, only float32 weights
      assertThat(out.get(rateZ).getDouble(0)).isCloseTo(MODEL.rateZ(X), within(1e-5));
      // R_y at one sampled z per row: a Monte Carlo mean of 20000 draws
      assertThat(out.get(rateY).getDouble(0)).isCloseTo(MODEL.rateY(X), within(0.01));
      // with beta_y = beta_z = 1 the loss is the negative ELBO, which the exact posterior makes
      // -log p(x) in expectation
      assertThat(out.get(VaeGraph.LOSS).getDouble(0))
          .isCloseTo(-MODEL.logMarginal(X), within(0.02));
      assertThat(MODEL.rateY(X)).as("a rate the test can tell from zero").isGreaterThan(0.1);
    }
  }

  @Test
  void loss_isDistortionPlusWarmedUpBetaWeightedRates() {
    Objective.Hit hit = new Objective.Hit(0.3, 4, 4);
    VaeArchitecture a = MODEL.architecture();
    try (SameDiffVae model = SameDiffVae.create(MODEL.exactWeights(), hit, 1e-3, DataType.DOUBLE)) {
      Batch b = batch(2);
      String rateY = VaeGraph.rate(a.layer(0));
      String rateZ = VaeGraph.rate(a.layer(1));
      for (int epoch : new int[] {0, 2, 9}) {
        model.startEpoch(epoch);
        Map<String, INDArray> out =
            outputs(model, b, rateY, rateZ, VaeGraph.LOSS, VaeGraph.LOG_PX_Z);
        double distortion = -out.get(VaeGraph.LOG_PX_Z).meanNumber().doubleValue();
        double w = Math.min(1, (epoch + 1) / 4.0);
        double expected =
            distortion + w * (0.3 * out.get(rateY).getDouble(0) + 4 * out.get(rateZ).getDouble(0));
        assertThat(out.get(VaeGraph.LOSS).getDouble(0))
            .as("epoch %d", epoch)
            .isCloseTo(expected, within(1e-9 * Math.abs(expected)));
      }
    }
  }

  @Test
  void warmupWeight_risesLinearlyToOne() {
    Objective.Hit hit = new Objective.Hit(1, 1, 5);
    assertThat(hit.warmupWeight(0)).isEqualTo(0.2);
    assertThat(hit.warmupWeight(3)).isEqualTo(0.8);
    assertThat(hit.warmupWeight(4)).isEqualTo(1.0);
    assertThat(hit.warmupWeight(40)).isEqualTo(1.0);
    assertThat(new Objective.Hit(1, 1, 0).warmupWeight(0)).isEqualTo(1.0);
  }

  @Test
  void check_bottomUpOrOneLayer_isRejectedNamingTheStructure() {
    Objective.Hit hit = new Objective.Hit(1, 1, 0);
    assertThatThrownBy(
            () -> hit.check(TinyModels.twoLayer(LikelihoodFamily.BERNOULLI, Activation.TANH)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bottom_up inference structure");
    assertThatThrownBy(
            () -> hit.check(TinyModels.oneLayer(LikelihoodFamily.BERNOULLI, Activation.TANH)))
        .hasMessageContaining("two latent layers");
    assertThatThrownBy(() -> new Objective.Hit(-1, 1, 0)).hasMessageContaining("beta_y");
    assertThatThrownBy(() -> new Objective.Hit(1, 1, -2)).hasMessageContaining("warmup_epochs");
  }

  @Test
  void hitMlp_trainsAndLowersItsLoss() {
    VaeArchitecture a =
        new VaeArchitecture(
                TinyModels.D,
                java.util.List.of(
                    new StochasticLayer("y", 4, java.util.List.of(8)),
                    new StochasticLayer("z", 2, java.util.List.of(8))),
                Activation.TANH,
                LikelihoodFamily.GAUSSIAN_FIXED,
                0.71)
            .withInference(io.latentserve.model.InferenceStructure.TOP_DOWN);
    VaeWeights weights = TinyModels.weights(a, 3);
    try (SameDiffVae model = SameDiffVae.create(weights, new Objective.Hit(1, 1, 0), 1e-2)) {
      float[] x = TinyModels.data(a, 16, 4);
      double first = 0;
      double last = 0;
      for (int step = 0; step < 60; step++) {
        float[][] eps = TinyModels.eps(a, 16, 1, 100 + step);
        double loss = model.step(new Batch(x, 16, eps, null)).loss();
        if (step == 0) {
          first = loss;
        }
        last = loss;
      }
      assertThat(last).isLessThan(first);
    }
  }
}
