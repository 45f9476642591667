package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.LatentNoise;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae.Batch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * VIMCO and reweighted wake-sleep on a sigmoid belief net small enough to enumerate (5 pixels, 3
 * Bernoulli units, linear networks, learned prior): the trainer's gradients, from the real SameDiff
 * graph, against the exact gradients of {@link SigmoidBeliefNetOracle}.
 */
class BernoulliObjectivesTest {
  private static final float[] X = {1, 0, 1, 1, 0};
  private static final VaeArchitecture SBN = VaeArchitecture.sigmoidBeliefNet(5, 3);
  private static VaeWeights weights;
  private static SigmoidBeliefNetOracle oracle;

  @BeforeAll
  static void model() {
    weights = TinyModels.weights(SBN, 41);
    oracle = new SigmoidBeliefNetOracle(weights, X);
  }

  @Test
  void oracle_everyState_matchesReference() {
    assertThat(oracle.maxDeviationFromReference(weights)).isLessThan(1e-9);
    double total = 0;
    for (int s = 0; s < oracle.stateCount(); s++) {
      total += Math.exp(oracle.logQ(s));
    }
    assertThat(total).isCloseTo(1, within(1e-12));
  }

  private static float[] repeatX(int rows) {
    float[] xs = new float[rows * X.length];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(X, 0, xs, i * X.length, X.length);
    }
    return xs;
  }

  /** The estimate the loss's gradient descends: minus the gradient, per variable. */
  private static Map<String, double[]> estimate(SameDiffVae model, Batch batch) {
    Map<String, INDArray> grads = model.evaluate(batch).getGradients();
    Map<String, double[]> out = new LinkedHashMap<>();
    for (String name : oracle.zeros().keySet()) {
      double[] g = grads.get(name).castTo(DataType.DOUBLE).dup('c').data().asDouble();
      for (int i = 0; i < g.length; i++) {
        g[i] = -g[i];
      }
      out.put(name, g);
    }
    return out;
  }

  /**
   * VIMCO's gradient is unbiased for the gradient of the expected IWAE bound E_q[log (1/K) sum_k
   * w_k]: the mean of 20,000 estimates (40 batches of 500 rows, all of x, each row its own noise)
   * lies within 4 standard errors (measured across the 40 batch means) of the exact gradient in
   * every coordinate, and within 5% in relative L2 norm.
   */
  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void vimco_meanOfManyEstimates_matchesExactIwaeBoundGradient(int k) {
    int rows = 500;
    int batches = 40;
    Map<String, double[]> exact = oracle.iwaeBoundGradient(k);
    Map<String, double[]> sum = oracle.zeros();
    Map<String, double[]> sumSquares = oracle.zeros();
    try (SameDiffVae model =
        SameDiffVae.create(weights, new Objective.Vimco(k), 1e-3, DataType.DOUBLE)) {
      float[] xs = repeatX(rows);
      for (int b = 0; b < batches; b++) {
        float[][] eps = LatentNoise.latent(SBN, 1000 + b, 0, rows, k);
        Map<String, double[]> est = estimate(model, new Batch(xs, rows, eps, null));
        for (String name : exact.keySet()) {
          for (int i = 0; i < exact.get(name).length; i++) {
            double v = est.get(name)[i];
            sum.get(name)[i] += v;
            sumSquares.get(name)[i] += v * v;
          }
        }
      }
    }
    double errorSquares = 0;
    double exactSquares = 0;
    double worstZ = 0;
    double largestEncoder = 0;
    double largestSe = 0;
    for (String name : exact.keySet()) {
      for (int i = 0; i < exact.get(name).length; i++) {
        double mean = sum.get(name)[i] / batches;
        double variance =
            (sumSquares.get(name)[i] / batches - mean * mean) * batches / (batches - 1);
        double se = Math.sqrt(Math.max(variance, 0) / batches);
        double e = exact.get(name)[i];
        assertThat(mean)
            .as("VIMCO d/d %s[%d] (se %.2e)", name, i, se)
            .isCloseTo(e, within(4 * se + 1e-9));
        worstZ = Math.max(worstZ, Math.abs(mean - e) / (se + 1e-300));
        errorSquares += (mean - e) * (mean - e);
        exactSquares += e * e;
        largestSe = Math.max(largestSe, se);
        if (name.startsWith("enc_")) {
          largestEncoder = Math.max(largestEncoder, Math.abs(e));
        }
      }
    }
    double relative = Math.sqrt(errorSquares / exactSquares);
    System.out.printf(
        "vimco k=%d: relative L2 error %.4f, worst |error|/se %.2f, largest se %.2e%n",
        k, relative, worstZ, largestSe);
    assertThat(relative).isLessThan(0.05);
    // the check has power: the encoder's gradient is far larger than the Monte Carlo error
    assertThat(largestEncoder).isGreaterThan(20 * largestSe);
  }

  /**
   * RWS's wake gradients on a small batch equal the self-normalized estimates sum_k w~_k d log
   * q(z_k|x) (encoder) and sum_k w~_k d log p(x, z_k) (decoder and prior), computed from the
   * graph's own samples and log weights, to 1e-9.
   */
  @Test
  void rwsWake_gradient_equalsSelfNormalizedEstimateOfItsSamples() {
    int rows = 4;
    int k = 5;
    float[][] eps = LatentNoise.latent(SBN, 77, 0, rows, k);
    float[] xs = repeatX(rows);
    try (SameDiffVae model =
        SameDiffVae.create(
            weights, new Objective.Rws(k, Objective.RwsPhi.WAKE), 1e-3, DataType.DOUBLE)) {
      Map<String, INDArray> out =
          model.outputs(xs, rows, eps, k, null, VaeGraph.LOG_W, SBN.top().name());
      double[] logW = out.get(VaeGraph.LOG_W).dup('c').data().asDouble();
      double[] z = out.get(SBN.top().name()).dup('c').data().asDouble();
      Map<String, double[]> expected = oracle.zeros();
      for (int r = 0; r < rows; r++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
          max = Math.max(max, logW[r * k + j]);
        }
        double total = 0;
        for (int j = 0; j < k; j++) {
          total += Math.exp(logW[r * k + j] - max);
        }
        for (int j = 0; j < k; j++) {
          double weight = Math.exp(logW[r * k + j] - max) / total / rows;
          double[] state = new double[3];
          System.arraycopy(z, (r * k + j) * 3, state, 0, 3);
          oracle.addEncoderScore(expected, state, weight);
          oracle.addJointScore(expected, state, weight);
        }
      }
      Map<String, double[]> actual = estimate(model, new Batch(xs, rows, eps, null));
      for (String name : expected.keySet()) {
        for (int i = 0; i < expected.get(name).length; i++) {
          assertThat(actual.get(name)[i])
              .as("%s[%d]", name, i)
              .isCloseTo(expected.get(name)[i], within(1e-9));
        }
      }
    }
  }

  /**
   * The wake-phi estimate is biased but consistent: the mean over 2,000 rows of the trainer's
   * encoder gradient approaches -d KL(p(z|x) || q(z|x)) (exact, by enumeration) as K grows, and the
   * decoder's approaches d log p(x).
   */
  @Test
  void rwsWake_growingK_convergesToExactKlAndEvidenceGradients() {
    int rows = 2000;
    Map<String, double[]> phiLimit = oracle.wakePhiLimit();
    Map<String, double[]> thetaLimit = oracle.logEvidenceGradient();
    int[] ks = {1, 4, 16, 128};
    double[] phiErrors = new double[ks.length];
    double[] thetaErrors = new double[ks.length];
    for (int i = 0; i < ks.length; i++) {
      int k = ks[i];
      try (SameDiffVae model =
          SameDiffVae.create(
              weights, new Objective.Rws(k, Objective.RwsPhi.WAKE), 1e-3, DataType.DOUBLE)) {
        float[][] eps = LatentNoise.latent(SBN, 500 + k, 0, rows, k);
        Map<String, double[]> est = estimate(model, new Batch(repeatX(rows), rows, eps, null));
        phiErrors[i] = relativeError(est, phiLimit, "enc_");
        thetaErrors[i] = relativeError(est, thetaLimit, "dec_", "prior_");
      }
      System.out.printf(
          "rws wake k=%d: phi relative L2 error %.4f, theta relative L2 error %.4f%n",
          k, phiErrors[i], thetaErrors[i]);
    }
    assertThat(phiErrors[3]).isLessThan(0.05).isLessThan(phiErrors[0] / 4);
    assertThat(phiErrors[2]).isLessThan(phiErrors[0]);
    assertThat(thetaErrors[3]).isLessThan(0.05).isLessThan(thetaErrors[0] / 4);
  }

  private static double relativeError(
      Map<String, double[]> actual, Map<String, double[]> expected, String... prefixes) {
    double error = 0;
    double norm = 0;
    for (String name : expected.keySet()) {
      boolean selected = false;
      for (String prefix : prefixes) {
        selected |= name.startsWith(prefix);
      }
      if (!selected) {
        continue;
      }
      for (int i = 0; i < expected.get(name).length; i++) {
        double diff = actual.get(name)[i] - expected.get(name)[i];
        error += diff * diff;
        norm += expected.get(name)[i] * expected.get(name)[i];
      }
    }
    return Math.sqrt(error / norm);
  }

  /**
   * theta/phi routing: the generative model's gradient is wake-theta whatever phi is; the encoder's
   * is wake-phi, sleep-phi, or their sum.
   */
  @Test
  void rws_phiChoice_changesOnlyTheEncoderGradient() {
    int rows = 6;
    int k = 4;
    float[] xs = repeatX(rows);
    float[][] eps = LatentNoise.latent(SBN, 88, 0, rows, k);
    float[][] dreams = LatentNoise.dreams(SBN, 88, 0, rows);
    Map<Objective.RwsPhi, Map<String, double[]>> grads = new LinkedHashMap<>();
    for (Objective.RwsPhi phi : Objective.RwsPhi.values()) {
      try (SameDiffVae model =
          SameDiffVae.create(weights, new Objective.Rws(k, phi), 1e-3, DataType.DOUBLE)) {
        grads.put(phi, estimate(model, new Batch(xs, rows, eps, null, null, dreams)));
      }
    }
    for (String name : oracle.zeros().keySet()) {
      double[] wake = grads.get(Objective.RwsPhi.WAKE).get(name);
      double[] sleep = grads.get(Objective.RwsPhi.SLEEP).get(name);
      double[] both = grads.get(Objective.RwsPhi.BOTH).get(name);
      for (int i = 0; i < wake.length; i++) {
        if (name.startsWith("enc_")) {
          assertThat(both[i]).as(name).isCloseTo(wake[i] + sleep[i], within(1e-12));
        } else {
          assertThat(sleep[i]).as(name).isCloseTo(wake[i], within(1e-12));
          assertThat(both[i]).as(name).isCloseTo(wake[i], within(1e-12));
        }
      }
    }
    double sleepNorm = 0;
    for (double v : grads.get(Objective.RwsPhi.SLEEP).get(SigmoidBeliefNetOracle.ENC_W)) {
      sleepNorm += Math.abs(v);
    }
    assertThat(sleepNorm).isGreaterThan(1e-3);
  }

  /**
   * The sleep phase's dreams are ancestral samples of the model: their frequencies over 4,000
   * dreams match p(z) (the learned prior) within 4 standard errors per unit.
   */
  @Test
  void rwsSleep_dreams_followTheLearnedPrior() {
    int rows = 4000;
    try (SameDiffVae model =
        SameDiffVae.create(
            weights, new Objective.Rws(2, Objective.RwsPhi.SLEEP), 1e-3, DataType.DOUBLE)) {
      float[][] dreams = LatentNoise.dreams(SBN, 5, 0, rows);
      Map<String, INDArray> ph = new LinkedHashMap<>();
      ph.put(VaeGraph.dreamEps(SBN.top()), INDArrayOf(dreams[0], rows, 3));
      ph.put(VaeGraph.DREAM_X_NOISE, INDArrayOf(dreams[1], rows, 5));
      double[] z =
          model
              .graph()
              .sameDiff()
              .output(ph, "dream_z1")
              .get("dream_z1")
              .dup('c')
              .data()
              .asDouble();
      float[] logits = weights.prior().mean().bias();
      for (int j = 0; j < 3; j++) {
        double count = 0;
        for (int r = 0; r < rows; r++) {
          count += z[r * 3 + j];
        }
        double p = SigmoidBeliefNetOracle.sigmoid(logits[j]);
        double se = Math.sqrt(p * (1 - p) / rows);
        assertThat(count / rows).as("P(z_%d = 1)", j).isCloseTo(p, within(4 * se));
      }
    }
  }

  private static INDArray INDArrayOf(float[] values, int rows, int cols) {
    return org.nd4j.linalg.factory.Nd4j.create(values, new long[] {rows, cols}, 'c')
        .castTo(DataType.DOUBLE);
  }

  /**
   * A 16-pixel, 4-unit sigmoid belief net trained 300 steps on three noisy prototypes improves its
   * IWAE bound (k = 20, fixed noise, all 60 examples) by more than 2 nats with VIMCO and with RWS;
   * its weights load into the reference, which gives the same log weights.
   */
  @ParameterizedTest
  @ValueSource(strings = {"vimco", "rws-wake", "rws-both"})
  void training_sigmoidBeliefNet_improvesItsBound(String name) {
    int dim = 16;
    int n = 60;
    VaeArchitecture sbn = VaeArchitecture.sigmoidBeliefNet(dim, 4);
    float[] data = new float[n * dim];
    SplittableRandom random = new SplittableRandom(3);
    boolean[][] prototypes = new boolean[3][dim];
    for (boolean[] p : prototypes) {
      for (int f = 0; f < dim; f++) {
        p[f] = random.nextDouble() < 0.5;
      }
    }
    for (int i = 0; i < n; i++) {
      for (int f = 0; f < dim; f++) {
        boolean v = prototypes[i % 3][f] ^ (random.nextDouble() < 0.05);
        data[i * dim + f] = v ? 1 : 0;
      }
    }
    Objective objective =
        switch (name) {
          case "vimco" -> new Objective.Vimco(5);
          case "rws-wake" -> new Objective.Rws(5, Objective.RwsPhi.WAKE);
          default -> new Objective.Rws(5, Objective.RwsPhi.BOTH);
        };
    float[][] evalEps = LatentNoise.latent(sbn, 99, 0, n, 20);
    int batch = 20;
    try (SameDiffVae model = SameDiffVae.create(VaeWeights.random(sbn, 1), objective, 0.05)) {
      double before = iwae(model.logWeights(data, n, evalEps, 20), n, 20);
      for (int step = 0; step < 300; step++) {
        int from = (step % 3) * batch;
        float[] xs = java.util.Arrays.copyOfRange(data, from * dim, (from + batch) * dim);
        float[][] eps = LatentNoise.latent(sbn, 7, (long) step * batch, batch, 5);
        float[][] dreams = LatentNoise.dreams(sbn, 7, (long) step * batch, batch);
        model.step(new Batch(xs, batch, eps, null, null, dreams));
      }
      double after = iwae(model.logWeights(data, n, evalEps, 20), n, 20);
      System.out.printf("%s: iwae_k20 %.3f -> %.3f nats%n", name, before, after);
      assertThat(after).isGreaterThan(before + 2);
      VaeWeights trained = model.weights();
      double[][] reference = ReferenceParityTest.reference(trained, data, evalEps);
      float[] logW = model.logWeights(data, n, evalEps, 20);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < 20; j++) {
          assertThat((double) logW[i * 20 + j])
              .isCloseTo(reference[i][j], within(1e-3 * (1 + Math.abs(reference[i][j]))));
        }
      }
    }
  }

  private static double iwae(float[] logW, int rows, int k) {
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      double[] row = new double[k];
      for (int j = 0; j < k; j++) {
        row[j] = logW[r * k + j];
      }
      sum += SigmoidBeliefNetOracle.logSumExp(row) - Math.log(k);
    }
    return sum / rows;
  }
}
