package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.Prior;
import io.latentserve.model.Rbm;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.LatentNoise;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae.Batch;
import io.latentserve.trainer.core.dvae.Smoothing;
import io.latentserve.trainer.core.dvae.SmoothingKind;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DVAE family's objectives in double precision: gradients against finite differences along the
 * exact path zeta(theta) = F^-1(u; q(theta)) at fixed mixture uniforms u (which the implicit
 * gradient differentiates), and the prior terms against exact enumeration of a 4-unit model with 3
 * pixels.
 */
class DvaeObjectiveTest {
  private static final int ROWS = 2;
  private static final int D = 3;
  private static final int UNITS = 4;
  private static final double KAPPA = 0.7;

  static VaeArchitecture architecture(List<Integer> hidden) {
    return new VaeArchitecture(
        D,
        List.of(new StochasticLayer("z1", UNITS, hidden, LatentFamily.BERNOULLI)),
        Activation.TANH,
        LikelihoodFamily.BERNOULLI,
        0,
        0,
        Prior.RBM);
  }

  static VaeWeights weights(VaeArchitecture architecture, long seed) {
    VaeWeights random = VaeWeights.random(architecture, seed);
    return random.withRbm(Rbm.random(2, 2, 0.8, seed + 1));
  }

  static Stream<Arguments> objectives() {
    return Stream.of(
        Arguments.of(Objective.DvaeVariant.DVAE, SmoothingKind.SPIKE_EXP, 1, List.of(3)),
        Arguments.of(Objective.DvaeVariant.DVAE_PP, SmoothingKind.POWER, 2, List.of(3)),
        Arguments.of(Objective.DvaeVariant.DVAE_PP, SmoothingKind.EXP, 1, List.of()),
        Arguments.of(Objective.DvaeVariant.DVAE_SHARP, SmoothingKind.POWER, 3, List.of(3)),
        Arguments.of(Objective.DvaeVariant.DVAE_SHARP, SmoothingKind.EXP, 2, List.of()),
        Arguments.of(Objective.DvaeVariant.DVAE_SHARP, SmoothingKind.UNIFORM_EXP, 2, List.of(3)),
        Arguments.of(Objective.DvaeVariant.DVAE_SHARP, SmoothingKind.GAUSSIAN, 2, List.of(3)));
  }

  static Objective.Dvae objective(Objective.DvaeVariant variant, SmoothingKind kind, int k) {
    // soft smoothings, so that zeta moves visibly with q
    double beta = kind == SmoothingKind.GAUSSIAN ? 6 : 3;
    return new Objective.Dvae(
        variant, Smoothing.of(kind, beta), k, new Objective.Pcd(3, 1), new Objective.Ais(50, 16));
  }

  /**
   * d loss / d theta against central differences of the loss (DVAE, DVAE++) or of -bound plus the
   * weight decay (DVAE#, whose loss is a surrogate) with zeta re-solved at every perturbed theta;
   * the chains' statistics are zero here (their surrogate has value 0 and is tested apart).
   */
  @ParameterizedTest
  @MethodSource("objectives")
  void gradients_matchFiniteDifferencesAlongTheInverseCdfPath(
      Objective.DvaeVariant variant, SmoothingKind kind, int k, List<Integer> hidden) {
    Objective.Dvae objective = objective(variant, kind, k);
    VaeArchitecture arch = architecture(hidden);
    try (SameDiffDvae model =
        SameDiffDvae.create(weights(arch, 5), objective, 1e-3, DataType.DOUBLE)) {
      float[] x = {1, 0, 1, 0, 1, 1};
      SplittableRandom random = new SplittableRandom(9);
      double[] u = new double[ROWS * k * UNITS];
      for (int i = 0; i < u.length; i++) {
        u[i] = 0.05 + 0.9 * random.nextDouble();
      }
      OutAndGrad at = model.gradients(placeholders(model, x, u, k));
      boolean surrogate = variant.importanceWeighted();
      for (String name : model.graph().parameterNames()) {
        INDArray p = model.graph().sameDiff().getVariable(name).getArr();
        INDArray grad = at.getGradients().get(name);
        for (long i = 0; i < p.length(); i += Math.max(1, p.length() / 4)) {
          double h = 1e-6;
          double v = p.getDouble(i);
          p.putScalar(i, v + h);
          double plus = value(model, x, u, k, surrogate);
          p.putScalar(i, v - h);
          double minus = value(model, x, u, k, surrogate);
          p.putScalar(i, v);
          double numeric = (plus - minus) / (2 * h);
          assertThat(grad.getDouble(i))
              .as("%s[%d]", name, i)
              .isCloseTo(numeric, within(1e-5 + 1e-4 * Math.abs(numeric)));
        }
      }
    }
  }

  /** The chains' statistics enter the RBM's gradient as kappa E_p[.]: d/d b1 shifts by kappa m1. */
  @Test
  void pcdStatistics_shiftRbmGradientByKappaTimesMoments() {
    Objective.Dvae objective = objective(Objective.DvaeVariant.DVAE_PP, SmoothingKind.POWER, 1);
    try (SameDiffDvae model =
        SameDiffDvae.create(
            weights(architecture(List.of(3)), 5), objective, 1e-3, DataType.DOUBLE)) {
      float[] x = {1, 0, 1, 0, 1, 1};
      double[] u = {0.2, 0.4, 0.6, 0.8, 0.3, 0.5, 0.7, 0.9};
      Map<String, INDArray> ph = placeholders(model, x, u, 1);
      INDArray without = model.gradients(ph).getGradients().get(DvaeGraph.RBM_W).dup();
      INDArray corr = Nd4j.createFromArray(new double[][] {{0.25, 0.5}, {0.75, 1.0}});
      ph.put(DvaeGraph.PCD_CORRELATION, corr);
      INDArray with = model.gradients(ph).getGradients().get(DvaeGraph.RBM_W);
      assertThat(with.sub(without).sub(corr.mul(KAPPA)).amaxNumber().doubleValue())
          .isLessThan(1e-12);
    }
  }

  /**
   * Exact enumeration of the 4-unit prior: the graph's KL(q || p) less log Z plus the exact log Z
   * equals sum_z q(z) (log q(z) - log p(z)) over the 16 states.
   */
  @Test
  void kl_plusExactLogZ_equalsEnumeratedKl() {
    Objective.Dvae objective = objective(Objective.DvaeVariant.DVAE_PP, SmoothingKind.EXP, 1);
    VaeWeights weights = weights(architecture(List.of(3)), 7);
    Rbm rbm = weights.rbm();
    try (SameDiffDvae model = SameDiffDvae.create(weights, objective, 1e-3, DataType.DOUBLE)) {
      float[] x = {1, 0, 1, 0, 1, 1};
      double[] u = {0.2, 0.4, 0.6, 0.8, 0.3, 0.5, 0.7, 0.9};
      Map<String, INDArray> ph = placeholders(model, x, u, 1);
      Map<String, INDArray> out =
          model.graph().sameDiff().output(ph, DvaeGraph.KL, DvaeGraph.LOGITS);
      double logZ = exactLogZ(rbm);
      for (int r = 0; r < ROWS; r++) {
        double kl = 0;
        float[] z = new float[UNITS];
        for (int s = 0; s < 16; s++) {
          double logQ = 0;
          for (int i = 0; i < UNITS; i++) {
            z[i] = (s >> i) & 1;
            double l = out.get(DvaeGraph.LOGITS).getDouble(r, i);
            logQ += z[i] * l - Math.log1p(Math.exp(l));
          }
          double logP = -rbm.energyAt(z, 0) - logZ;
          kl += Math.exp(logQ) * (logQ - logP);
        }
        assertThat(out.get(DvaeGraph.KL).getDouble(r) + logZ).isCloseTo(kl, within(1e-9));
      }
    }
  }

  /**
   * DVAE#'s mean-field log Z~(zeta) is a lower bound of the exact sum over the 16 states of
   * exp(-E(z) + sum_i z_i b_i(zeta) + log r(zeta_i|0)), and equals it when W = 0 (the augmented
   * model then factorizes and mean field is exact).
   */
  @Test
  void meanFieldLogZTilde_boundsEnumerationAndIsExactWithoutCouplings() {
    for (boolean coupled : new boolean[] {true, false}) {
      Objective.Dvae objective =
          objective(Objective.DvaeVariant.DVAE_SHARP, SmoothingKind.POWER, 2);
      VaeWeights weights = weights(architecture(List.of(3)), 7);
      if (!coupled) {
        Rbm r = weights.rbm();
        weights = weights.withRbm(new Rbm(r.b1(), r.b2(), new float[4]));
      }
      Rbm rbm = weights.rbm();
      try (SameDiffDvae model = SameDiffDvae.create(weights, objective, 1e-3, DataType.DOUBLE)) {
        float[] x = {1, 0, 1, 0, 1, 1};
        double[] u = new double[ROWS * 2 * UNITS];
        for (int i = 0; i < u.length; i++) {
          u[i] = (i + 0.5) / u.length;
        }
        Map<String, INDArray> ph = placeholders(model, x, u, 2);
        INDArray zeta = ph.get(DvaeGraph.ZETA);
        INDArray meanField =
            model.graph().sameDiff().output(ph, DvaeGraph.LOG_Z_TILDE).get(DvaeGraph.LOG_Z_TILDE);
        Smoothing s = objective.smoothing();
        for (int r = 0; r < ROWS; r++) {
          for (int j = 0; j < 2; j++) {
            double max = Double.NEGATIVE_INFINITY;
            double[] terms = new double[16];
            float[] z = new float[UNITS];
            for (int st = 0; st < 16; st++) {
              double t = 0;
              for (int i = 0; i < UNITS; i++) {
                z[i] = (st >> i) & 1;
                double zi = zeta.getDouble(r, j, i);
                t += z[i] == 1 ? s.logR1(zi) : s.logR0(zi);
              }
              terms[st] = t - rbm.energyAt(z, 0);
              max = Math.max(max, terms[st]);
            }
            double sum = 0;
            for (double t : terms) {
              sum += Math.exp(t - max);
            }
            double exact = max + Math.log(sum);
            double mf = meanField.getDouble(r, j);
            if (coupled) {
              assertThat(mf).isLessThanOrEqualTo(exact + 1e-9);
              assertThat(mf).isGreaterThan(exact - 1);
            } else {
              assertThat(mf).isCloseTo(exact, within(1e-9));
            }
          }
        }
      }
    }
  }

  /** A few steps of each variant on the tiny model run, stay finite and move the RBM. */
  @ParameterizedTest
  @MethodSource("objectives")
  void steps_trainAndMoveTheRbm(
      Objective.DvaeVariant variant, SmoothingKind kind, int k, List<Integer> hidden) {
    VaeArchitecture arch = architecture(hidden);
    Objective.Dvae objective = objective(variant, kind, k);
    try (SameDiffDvae model = SameDiffDvae.create(weights(arch, 5), objective, 1e-2)) {
      model.begin(10, 3);
      float[] x = {1, 0, 1, 0, 1, 1};
      Rbm before = model.rbm();
      for (int s = 0; s < 5; s++) {
        float[][] eps = LatentNoise.latent(arch, 3, s * ROWS, ROWS, k);
        var result = model.step(new Batch(x, ROWS, eps, null));
        assertThat(result.loss()).isFinite();
      }
      assertThat(model.rbm()).isNotEqualTo(before);
      float[] logW = model.logWeights(x, null, ROWS, LatentNoise.latent(arch, 1, 0, ROWS, 4), 4);
      assertThat(logW).hasSize(ROWS * 4);
      assertThat(model.weights().logPartition()).isNotNull();
    }
  }

  /** log Z of an RBM by enumerating all its states. */
  static double exactLogZ(Rbm rbm) {
    int n = rbm.units();
    double max = Double.NEGATIVE_INFINITY;
    double[] terms = new double[1 << n];
    float[] z = new float[n];
    for (int s = 0; s < terms.length; s++) {
      for (int i = 0; i < n; i++) {
        z[i] = (s >> i) & 1;
      }
      terms[s] = -rbm.energyAt(z, 0);
      max = Math.max(max, terms[s]);
    }
    double sum = 0;
    for (double t : terms) {
      sum += Math.exp(t - max);
    }
    return max + Math.log(sum);
  }

  /** The placeholders with zeta = F^-1(u; q) for the current weights, PCD statistics zero. */
  static Map<String, INDArray> placeholders(SameDiffDvae model, float[] x, double[] u, int k) {
    float[][] eps = new float[][] {new float[ROWS * k * UNITS]};
    Map<String, INDArray> ph = model.stepPlaceholders(new Batch(x, ROWS, eps, null), 0);
    INDArray logits =
        model
            .graph()
            .sameDiff()
            .output(Map.of(DvaeGraph.X, ph.get(DvaeGraph.X)), DvaeGraph.LOGITS)
            .get(DvaeGraph.LOGITS);
    Smoothing s = model.graph().objective().smoothing();
    double[] zeta = new double[u.length];
    double[] grad = new double[u.length];
    for (int r = 0; r < ROWS; r++) {
      for (int j = 0; j < k; j++) {
        for (int i = 0; i < UNITS; i++) {
          double q = 1 / (1 + Math.exp(-logits.getDouble(r, i)));
          int at = (r * k + j) * UNITS + i;
          zeta[at] = solve(s, q, u[at]);
          grad[at] = s.gradient(q, zeta[at]);
        }
      }
    }
    ph.put(DvaeGraph.ZETA, Nd4j.createFromArray(zeta).reshape('c', ROWS, k, UNITS));
    ph.put(DvaeGraph.ZETA_GRAD, Nd4j.createFromArray(grad).reshape('c', ROWS, k, UNITS));
    ph.put(DvaeGraph.KAPPA, Nd4j.scalar(KAPPA));
    ph.put(DvaeGraph.PCD_MEAN1, Nd4j.zeros(DataType.DOUBLE, 1, 2));
    ph.put(DvaeGraph.PCD_MEAN2, Nd4j.zeros(DataType.DOUBLE, 1, 2));
    ph.put(DvaeGraph.PCD_CORRELATION, Nd4j.zeros(DataType.DOUBLE, 2, 2));
    return ph;
  }

  /** loss, or -bound + weight decay for the importance-weighted surrogate. */
  private static double value(SameDiffDvae model, float[] x, double[] u, int k, boolean surrogate) {
    Map<String, INDArray> out =
        model
            .graph()
            .sameDiff()
            .output(placeholders(model, x, u, k), DvaeGraph.LOSS, DvaeGraph.BOUND);
    if (!surrogate) {
      return out.get(DvaeGraph.LOSS).getDouble(0);
    }
    double decay = 0;
    for (String name : model.graph().parameterNames()) {
      if (name.endsWith("_w")) {
        INDArray p = model.graph().sameDiff().getVariable(name).getArr();
        decay += p.mul(p).sumNumber().doubleValue();
      }
    }
    return -out.get(DvaeGraph.BOUND).getDouble(0) + 0.5 * Objective.Dvae.WEIGHT_DECAY * decay;
  }

  /** The zeta with F(zeta; q) = u, by bisection (the exact path the implicit gradient follows). */
  static double solve(Smoothing s, double q, double u) {
    if (s.kind() == SmoothingKind.SPIKE_EXP && u <= 1 - q) {
      return 0; // the spike's atom
    }
    boolean gaussian = s.kind() == SmoothingKind.GAUSSIAN;
    double lo = gaussian ? -10 : 0;
    double hi = gaussian ? 11 : 1;
    for (int i = 0; i < 200; i++) {
      double mid = (lo + hi) / 2;
      if (s.cdf(q, mid) < u) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2;
  }
}
