package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.LatentNoise;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae.Batch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Gradients of every objective in double precision, against finite differences and each other. */
class ObjectiveGradientTest {
  private static final int ROWS = 3;
  private static final double H = 1e-6;

  static Stream<Arguments> objectives() {
    List<Arguments> args = new ArrayList<>();
    List<Objective> objectives =
        List.of(
            new Objective.Elbo(),
            new Objective.BetaVae(0.5),
            new Objective.Iwae(3),
            new Objective.Iwae(1),
            new Objective.InfoVae(0.5, 2.0),
            // both branches of LagVAE, and InfoVAE by its constraints (fixed multipliers)
            new Objective.LagVae(
                new Objective.Constraints(1.5, 4, 0.5), Objective.DualOptimizer.DEFAULT),
            new Objective.LagVae(
                new Objective.Constraints(-0.75, 4, 0.5), Objective.DualOptimizer.DEFAULT),
            Objective.InfoVae.of(new Objective.Constraints(-0.5, 3, 0.25)));
    List<VaeArchitecture> architectures =
        List.of(
            TinyModels.oneLayer(LikelihoodFamily.BERNOULLI, Activation.TANH),
            TinyModels.twoLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.TANH),
            TinyModels.twoLayer(LikelihoodFamily.GAUSSIAN_FIXED, Activation.RELU),
            TinyModels.linear(),
            TinyModels.oneLayer(LikelihoodFamily.BERNOULLI, Activation.TANH).withConditionDim(3),
            TinyModels.twoLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.TANH)
                .withConditionDim(2),
            // the variance floor binds for some features: their log-variance head gets no
            // gradient through the likelihood, the others the usual one
            TinyModels.floored(
                TinyModels.twoLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.TANH)),
            TinyModels.topDown(LikelihoodFamily.GAUSSIAN_FIXED, Activation.TANH));
    for (Objective objective : objectives) {
      for (VaeArchitecture architecture : architectures) {
        args.add(Arguments.of(objective, architecture));
      }
    }
    // HIT's per-layer betas (and an unweighted ELBO with analytic KLs) on top-down models
    for (Objective hit : List.of(new Objective.Hit(0.3, 2.5, 0), new Objective.Hit(1, 1, 4))) {
      args.add(
          Arguments.of(hit, TinyModels.topDown(LikelihoodFamily.GAUSSIAN_FIXED, Activation.TANH)));
      args.add(
          Arguments.of(
              hit,
              TinyModels.floored(
                  TinyModels.topDown(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.RELU))));
      args.add(
          Arguments.of(
              hit,
              TinyModels.topDown(LikelihoodFamily.BERNOULLI, Activation.TANH).withConditionDim(2)));
    }
    return args.stream();
  }

  private static Batch batch(VaeArchitecture architecture, Objective objective, long seed) {
    float[] x = TinyModels.data(architecture, ROWS, seed);
    float[][] eps = LatentNoise.latent(architecture, seed, 0, ROWS, objective.samples());
    // a conditional prior shifts one draw per sample row; N(0, I) takes any number
    int draws = architecture.conditional() ? ROWS * objective.samples() : 2 * ROWS;
    float[] prior = LatentNoise.prior(architecture, seed, 0, draws);
    return new Batch(
        x,
        ROWS,
        eps,
        objective.drawsPriorBatch() ? prior : null,
        TinyModels.conditions(architecture, ROWS, seed + 100));
  }

  @ParameterizedTest
  @MethodSource("objectives")
  void gradients_everyParameter_matchCentralFiniteDifferences(
      Objective objective, VaeArchitecture architecture) {
    VaeWeights weights = TinyModels.weights(architecture, 5);
    try (SameDiffVae model = SameDiffVae.create(weights, objective, 1e-3, DataType.DOUBLE)) {
      if (model.multipliers() != null) {
        // multipliers away from their start, so that a swapped or dropped weight shows
        model.multipliers().restore(new double[] {0.7, 2.5, 1, 1});
      }
      Batch batch = batch(architecture, objective, 6);
      Map<String, INDArray> ph =
          model.placeholders(
              batch.x(), ROWS, batch.eps(), objective.samples(), batch.priorEps(), null);
      model.putCondition(ph, batch.y(), ROWS, objective.samples());
      Map<String, INDArray> grads = model.gradients(ph).getGradients();
      SameDiff sd = model.graph().sameDiff();
      sd.setEnableCache(false);
      int checked = 0;
      for (String name : model.graph().parameterNames()) {
        INDArray p = sd.getVariable(name).getArr();
        INDArray g = grads.get(name);
        for (long i = 0; i < p.length(); i++) {
          double original = p.getDouble(i);
          p.putScalar(i, original + H);
          double plus = loss(sd, ph);
          p.putScalar(i, original - H);
          double minus = loss(sd, ph);
          p.putScalar(i, original);
          double numeric = (plus - minus) / (2 * H);
          assertThat(g.getDouble(i))
              .as("d loss / d %s[%d]", name, i)
              .isCloseTo(numeric, within(1e-6 + 1e-5 * Math.abs(numeric)));
          checked++;
        }
      }
      assertThat(checked).isEqualTo(parameterCount(weights));
    }
  }

  static Stream<Arguments> constantSampleObjectives() {
    VaeArchitecture twoBernoulli = VaeArchitecture.sigmoidBeliefNet(TinyModels.D, 3, 2);
    List<io.latentserve.model.StochasticLayer> hiddenLayer =
        List.of(
            new io.latentserve.model.StochasticLayer(
                "z1", 3, List.of(4), io.latentserve.model.LatentFamily.BERNOULLI));
    VaeArchitecture hidden =
        new VaeArchitecture(
            TinyModels.D, hiddenLayer, Activation.TANH, LikelihoodFamily.BERNOULLI, 0);
    VaeArchitecture gaussianPixels =
        new VaeArchitecture(
            TinyModels.D, hiddenLayer, Activation.TANH, LikelihoodFamily.GAUSSIAN_LEARNED, 0);
    List<Arguments> args = new ArrayList<>();
    for (VaeArchitecture architecture : List.of(twoBernoulli, hidden, gaussianPixels)) {
      args.add(Arguments.of(new Objective.Vimco(3), architecture));
      for (Objective.RwsPhi phi : Objective.RwsPhi.values()) {
        // Gaussian dreams x' move with the decoder, which finite differences would see though
        // the sleep term rightly holds them constant: sleep is checked with Bernoulli pixels
        if (!phi.sleep() || architecture.likelihood() == LikelihoodFamily.BERNOULLI) {
          args.add(Arguments.of(new Objective.Rws(3, phi), architecture));
        }
      }
    }
    return args.stream();
  }

  /**
   * VIMCO's and RWS's surrogate losses, with their forward-pass constants (w~, the leave-one-out
   * signals) fixed, against central finite differences over every parameter of Bernoulli models.
   * Bernoulli samples do not move under a 1e-6 step of a parameter (a step function of the logits),
   * so the finite differences see exactly the surrogate the graph differentiates.
   */
  @ParameterizedTest
  @MethodSource("constantSampleObjectives")
  void constantSampleObjectives_everyParameter_matchCentralFiniteDifferences(
      Objective objective, VaeArchitecture architecture) {
    VaeWeights weights = TinyModels.weights(architecture, 15);
    try (SameDiffVae model = SameDiffVae.create(weights, objective, 1e-3, DataType.DOUBLE)) {
      float[] x = TinyModels.data(architecture, ROWS, 16);
      float[][] eps = LatentNoise.latent(architecture, 16, 0, ROWS, objective.samples());
      float[][] dreams = LatentNoise.dreams(architecture, 16, 0, ROWS);
      Map<String, INDArray> ph =
          model.stepPlaceholders(new Batch(x, ROWS, eps, null, null, dreams));
      Map<String, INDArray> grads = model.gradients(ph).getGradients();
      SameDiff sd = model.graph().sameDiff();
      sd.setEnableCache(false);
      int checked = 0;
      for (String name : model.graph().parameterNames()) {
        INDArray p = sd.getVariable(name).getArr();
        INDArray g = grads.get(name);
        for (long i = 0; i < p.length(); i++) {
          double original = p.getDouble(i);
          p.putScalar(i, original + H);
          double plus = loss(sd, ph);
          p.putScalar(i, original - H);
          double minus = loss(sd, ph);
          p.putScalar(i, original);
          double numeric = (plus - minus) / (2 * H);
          assertThat(g.getDouble(i))
              .as("d loss / d %s[%d]", name, i)
              .isCloseTo(numeric, within(1e-6 + 1e-5 * Math.abs(numeric)));
          checked++;
        }
      }
      assertThat(checked).isGreaterThan(40);
    }
  }

  private static int parameterCount(VaeWeights weights) {
    return DoubleVae.parameters(weights).values().stream().mapToInt(v -> v.length).sum();
  }

  private static double loss(SameDiff sd, Map<String, INDArray> ph) {
    return sd.output(ph, VaeGraph.LOSS).get(VaeGraph.LOSS).getDouble(0);
  }

  @Test
  void iwae_kOne_equalsElboLossAndGradients() {
    VaeArchitecture architecture = TinyModels.twoLayer(LikelihoodFamily.BERNOULLI, Activation.TANH);
    VaeWeights weights = TinyModels.weights(architecture, 7);
    Batch batch = batch(architecture, new Objective.Elbo(), 8);
    try (SameDiffVae elbo =
            SameDiffVae.create(weights, new Objective.Elbo(), 1e-3, DataType.DOUBLE);
        SameDiffVae iwae =
            SameDiffVae.create(weights, new Objective.Iwae(1), 1e-3, DataType.DOUBLE)) {
      OutAndGrad e = elbo.evaluate(batch);
      OutAndGrad w = iwae.evaluate(batch);
      assertThat(w.getOutputs().get(VaeGraph.LOSS).getDouble(0))
          .isCloseTo(e.getOutputs().get(VaeGraph.LOSS).getDouble(0), within(1e-10));
      for (String name : elbo.graph().parameterNames()) {
        INDArray diff = w.getGradients().get(name).sub(e.getGradients().get(name));
        assertThat(diff.amaxNumber().doubleValue()).as(name).isLessThan(1e-10);
      }
    }
  }

  @Test
  void iwaeBound_anyNoise_atLeastTheMeanLogWeightOfTheSameSamples() {
    VaeArchitecture architecture = TinyModels.oneLayer(LikelihoodFamily.BERNOULLI, Activation.TANH);
    VaeWeights weights = TinyModels.weights(architecture, 9);
    int k = 8;
    try (SameDiffVae iwae =
        SameDiffVae.create(weights, new Objective.Iwae(k), 1e-3, DataType.DOUBLE)) {
      double iwaeSum = 0;
      double elboSum = 0;
      for (long seed = 0; seed < 20; seed++) {
        Batch batch = batch(architecture, new Objective.Iwae(k), seed);
        double bound = iwae.evaluate(batch).getOutputs().get(VaeGraph.BOUND).getDouble(0);
        float[] logW = iwae.logWeights(batch.x(), ROWS, batch.eps(), k);
        double mean = 0;
        for (float v : logW) {
          mean += v;
        }
        mean /= logW.length;
        // Jensen: log mean exp >= mean log, for every set of samples
        assertThat(bound).isGreaterThanOrEqualTo(mean - 1e-6);
        iwaeSum += bound;
        elboSum += mean;
      }
      assertThat(iwaeSum / 20).isGreaterThan(elboSum / 20 + 0.01);
    }
  }

  static Stream<VaeArchitecture> dregArchitectures() {
    VaeArchitecture twoLayer =
        TinyModels.twoLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.TANH);
    return Stream.of(twoLayer, twoLayer.withConditionDim(3));
  }

  @ParameterizedTest
  @MethodSource("dregArchitectures")
  void dreg_decoderAndPriorGradients_equalIwaeGradients(VaeArchitecture architecture) {
    VaeWeights weights = TinyModels.weights(architecture, 10);
    Batch batch = batch(architecture, new Objective.Iwae(4), 11);
    try (SameDiffVae iwae =
            SameDiffVae.create(weights, new Objective.Iwae(4), 1e-3, DataType.DOUBLE);
        SameDiffVae dreg =
            SameDiffVae.create(weights, new Objective.Dreg(4), 1e-3, DataType.DOUBLE)) {
      OutAndGrad a = iwae.evaluate(batch);
      OutAndGrad b = dreg.evaluate(batch);
      assertThat(b.getOutputs().get(VaeGraph.BOUND).getDouble(0))
          .isCloseTo(a.getOutputs().get(VaeGraph.BOUND).getDouble(0), within(1e-10));
      int compared = 0;
      for (String name : iwae.graph().parameterNames()) {
        INDArray diff = a.getGradients().get(name).sub(b.getGradients().get(name));
        if (name.startsWith("dec_") || name.startsWith("prior_")) {
          assertThat(diff.amaxNumber().doubleValue()).as(name).isLessThan(1e-10);
          compared++;
        } else {
          // the encoder's gradient is a different estimator: it must differ somewhere
          assertThat(name).startsWith("enc_");
        }
      }
      assertThat(compared).isGreaterThan(5);
    }
  }

  @Test
  void dreg_encoderGradients_matchFiniteDifferencesThroughTheSamplePathOnly() {
    VaeArchitecture architecture = TinyModels.twoLayer(LikelihoodFamily.BERNOULLI, Activation.TANH);
    VaeWeights weights = TinyModels.weights(architecture, 12);
    int k = 3;
    Batch batch = batch(architecture, new Objective.Dreg(k), 13);
    DoubleVae reference = new DoubleVae(architecture);
    Map<String, double[]> base = DoubleVae.parameters(weights);
    int d = architecture.inputDim();

    // w~ at the base parameters, per row
    double[][][] eps = new double[ROWS * k][][];
    double[][] c = new double[ROWS][k];
    for (int i = 0; i < ROWS; i++) {
      double[] logW = new double[k];
      for (int j = 0; j < k; j++) {
        eps[i * k + j] = sampleNoise(architecture, batch.eps(), i, j, k);
        logW[j] = reference.logW(row(batch.x(), i, d), eps[i * k + j], base, base);
      }
      double max = java.util.Arrays.stream(logW).max().orElseThrow();
      double sum = 0;
      for (int j = 0; j < k; j++) {
        c[i][j] = Math.exp(logW[j] - max);
        sum += c[i][j];
      }
      for (int j = 0; j < k; j++) {
        c[i][j] /= sum;
      }
    }

    try (SameDiffVae dreg =
        SameDiffVae.create(weights, new Objective.Dreg(k), 1e-3, DataType.DOUBLE)) {
      Map<String, INDArray> grads = dreg.evaluate(batch).getGradients();
      int checked = 0;
      for (String name : DoubleVae.encoderNames(base)) {
        double[] values = base.get(name);
        for (int p = 0; p < values.length; p++) {
          double numeric = 0;
          for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < k; j++) {
              double original = values[p];
              values[p] = original + H;
              Map<String, double[]> plus = copy(base);
              values[p] = original - H;
              Map<String, double[]> minus = copy(base);
              values[p] = original;
              double[] xi = row(batch.x(), i, d);
              double slope =
                  (reference.logW(xi, eps[i * k + j], plus, base)
                          - reference.logW(xi, eps[i * k + j], minus, base))
                      / (2 * H);
              numeric += c[i][j] * c[i][j] * slope;
            }
          }
          numeric = -numeric / ROWS;
          assertThat(grads.get(name).getDouble(p))
              .as("DReG d loss / d %s[%d]", name, p)
              .isCloseTo(numeric, within(1e-6 + 1e-5 * Math.abs(numeric)));
          checked++;
        }
      }
      assertThat(checked).isGreaterThan(50);
    }
  }

  @Test
  void dreg_meanEncoderGradient_agreesWithIwaeWithinMonteCarloError() {
    VaeArchitecture architecture = TinyModels.oneLayer(LikelihoodFamily.BERNOULLI, Activation.TANH);
    VaeWeights weights = TinyModels.weights(architecture, 14);
    int k = 4;
    // each draw averages 8 independent copies of the 3 examples: 60 draws carry the information of
    // 480 single draws at a fraction of the graph calls
    int copies = 8;
    int draws = 60;
    try (SameDiffVae iwae =
            SameDiffVae.create(weights, new Objective.Iwae(k), 1e-3, DataType.DOUBLE);
        SameDiffVae dreg =
            SameDiffVae.create(weights, new Objective.Dreg(k), 1e-3, DataType.DOUBLE)) {
      float[] base = TinyModels.data(architecture, ROWS, 15);
      float[] x = new float[base.length * copies];
      for (int c = 0; c < copies; c++) {
        System.arraycopy(base, 0, x, c * base.length, base.length);
      }
      int rows = ROWS * copies;
      List<String> encoder =
          iwae.graph().parameterNames().stream().filter(n -> n.startsWith("enc_")).toList();
      Map<String, double[]> sumDiff = new java.util.HashMap<>();
      Map<String, double[]> sumDiff2 = new java.util.HashMap<>();
      Map<String, double[]> sumIwae = new java.util.HashMap<>();
      double varianceIwae = 0;
      double varianceDreg = 0;
      for (int n = 0; n < draws; n++) {
        float[][] eps = LatentNoise.latent(architecture, 1000 + n, 0, rows, k);
        Batch batch = new Batch(x, rows, eps, null);
        Map<String, INDArray> a = iwae.evaluate(batch).getGradients();
        Map<String, INDArray> b = dreg.evaluate(batch).getGradients();
        for (String name : encoder) {
          double[] ga = a.get(name).dup().data().asDouble();
          double[] gb = b.get(name).dup().data().asDouble();
          double[] s = sumDiff.computeIfAbsent(name, q -> new double[ga.length]);
          double[] s2 = sumDiff2.computeIfAbsent(name, q -> new double[ga.length]);
          double[] si = sumIwae.computeIfAbsent(name, q -> new double[ga.length]);
          for (int i = 0; i < ga.length; i++) {
            double diff = gb[i] - ga[i];
            s[i] += diff;
            s2[i] += diff * diff;
            si[i] += ga[i];
            varianceIwae += ga[i] * ga[i];
            varianceDreg += gb[i] * gb[i];
          }
        }
      }
      double maxZ = 0;
      int significant = 0;
      for (String name : encoder) {
        double[] s = sumDiff.get(name);
        double[] s2 = sumDiff2.get(name);
        for (int i = 0; i < s.length; i++) {
          double mean = s[i] / draws;
          double sd = Math.sqrt(Math.max(s2[i] / draws - mean * mean, 0));
          double z = Math.abs(mean) / (sd / Math.sqrt(draws) + 1e-12);
          maxZ = Math.max(maxZ, z);
          if (Math.abs(sumIwae.get(name)[i] / draws) > 0.02) {
            significant++;
          }
        }
      }
      // same expectation: no coordinate differs by more than 4.5 standard errors
      assertThat(maxZ).isLessThan(4.5);
      // and the expectation is not trivially zero
      assertThat(significant).isGreaterThan(5);
      // second moments: DReG's estimator is the quieter one
      assertThat(varianceDreg).isLessThan(varianceIwae);
    }
  }

  private static Map<String, double[]> copy(Map<String, double[]> p) {
    Map<String, double[]> out = new java.util.LinkedHashMap<>();
    p.forEach((n, v) -> out.put(n, v.clone()));
    return out;
  }

  private static double[] row(float[] x, int i, int d) {
    double[] out = new double[d];
    for (int j = 0; j < d; j++) {
      out[j] = x[i * d + j];
    }
    return out;
  }

  private static double[][] sampleNoise(
      VaeArchitecture architecture, float[][] eps, int i, int j, int k) {
    double[][] out = new double[architecture.layerCount()][];
    for (int l = 0; l < out.length; l++) {
      int d = architecture.layer(l).latentDim();
      out[l] = new double[d];
      for (int c = 0; c < d; c++) {
        out[l][c] = eps[l][(i * k + j) * d + c];
      }
    }
    return out;
  }
}
