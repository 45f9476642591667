package io.latentserve.trainer.samediff;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exact answers for a one-layer sigmoid belief net ({@link VaeArchitecture#sigmoidBeliefNet} with
 * one layer of d units, d small), by enumerating all 2^d latent states: log p(x), the posterior
 * p(z|x), q(z|x), and exact gradients, in double precision, keyed by the graph's variable names.
 * With linear networks, every score is closed-form: for logits l = u W + b of units v, d log
 * Bern(v; l) / dl = v - sigmoid(l), so d/dW = u^T (v - sigmoid(l)) and d/db = v - sigmoid(l).
 */
final class SigmoidBeliefNetOracle {
  static final String ENC_W = "enc_z1_logits_w";
  static final String ENC_B = "enc_z1_logits_b";
  static final String DEC_W = "dec_z1_mean_w";
  static final String DEC_B = "dec_z1_mean_b";
  static final String PRIOR_B = "prior_z1_logits_b";

  private final int dim;
  private final int d;
  private final double[] encW;
  private final double[] encB;
  private final double[] decW;
  private final double[] decB;
  private final double[] priorB;
  private final double[] x;
  private final double[][] states;
  private final double[] logQ;
  private final double[] logJoint;

  SigmoidBeliefNetOracle(VaeWeights weights, float[] x) {
    VaeArchitecture a = weights.architecture();
    this.dim = a.inputDim();
    this.d = a.top().latentDim();
    this.encW = widen(weights.encoders().get(0).mean().weight());
    this.encB = widen(weights.encoders().get(0).mean().bias());
    this.decW = widen(weights.decoders().get(0).mean().weight());
    this.decB = widen(weights.decoders().get(0).mean().bias());
    this.priorB = widen(weights.prior().mean().bias());
    this.x = widen(x);
    int n = 1 << d;
    states = new double[n][d];
    logQ = new double[n];
    logJoint = new double[n];
    double[] qLogits = encoderLogits();
    for (int s = 0; s < n; s++) {
      for (int j = 0; j < d; j++) {
        states[s][j] = (s >> j) & 1;
      }
      logQ[s] = bernoulli(states[s], qLogits);
      logJoint[s] = bernoulli(states[s], priorB) + bernoulli(this.x, decoderLogits(states[s]));
    }
  }

  int stateCount() {
    return states.length;
  }

  double[] state(int s) {
    return states[s].clone();
  }

  /** log q(z_s|x). */
  double logQ(int s) {
    return logQ[s];
  }

  /** log p(x, z_s). */
  double logJoint(int s) {
    return logJoint[s];
  }

  /** Index of a binary state. */
  int index(double[] z) {
    int s = 0;
    for (int j = 0; j < d; j++) {
      s |= (z[j] > 0.5 ? 1 : 0) << j;
    }
    return s;
  }

  /** log p(x) = log sum_z p(x, z). */
  double logEvidence() {
    return logSumExp(logJoint);
  }

  /** p(z_s|x). */
  double posterior(int s) {
    return Math.exp(logJoint[s] - logEvidence());
  }

  /**
   * E_{z_1..z_K ~ q} [log (1/K) sum_k w_k] and its exact gradient, enumerating all K-tuples of
   * states: d E = sum_t Q_t (sum_k d log q(z_k)) L_t + Q_t d L_t, d L_t = sum_k w~_k d log w_k.
   */
  Map<String, double[]> iwaeBoundGradient(int k) {
    Map<String, double[]> grad = zeros();
    int n = states.length;
    int tuples = (int) Math.pow(n, k);
    int[] t = new int[k];
    double[] logW = new double[k];
    for (int c = 0; c < tuples; c++) {
      int rest = c;
      double logQt = 0;
      for (int i = 0; i < k; i++) {
        t[i] = rest % n;
        rest /= n;
        logQt += logQ[t[i]];
        logW[i] = logJoint[t[i]] - logQ[t[i]];
      }
      double qt = Math.exp(logQt);
      double bound = logSumExp(logW) - Math.log(k);
      double max = Double.NEGATIVE_INFINITY;
      for (double v : logW) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (double v : logW) {
        sum += Math.exp(v - max);
      }
      for (int i = 0; i < k; i++) {
        double weight = Math.exp(logW[i] - max) / sum;
        // score term: Q_t L_t d log q(z_i); path term: Q_t w~_i (d log p(x, z_i) - d log q(z_i))
        addEncoderScore(grad, states[t[i]], qt * (bound - weight));
        addJointScore(grad, states[t[i]], qt * weight);
      }
    }
    return grad;
  }

  /** sum_z p(z|x) d_phi log q(z|x) = -d_phi KL(p(z|x) || q(z|x)); zero for theta. */
  Map<String, double[]> wakePhiLimit() {
    Map<String, double[]> grad = zeros();
    for (int s = 0; s < states.length; s++) {
      addEncoderScore(grad, states[s], posterior(s));
    }
    return grad;
  }

  /** d_theta log p(x) = sum_z p(z|x) d_theta log p(x, z); zero for phi. */
  Map<String, double[]> logEvidenceGradient() {
    Map<String, double[]> grad = zeros();
    for (int s = 0; s < states.length; s++) {
      addJointScore(grad, states[s], posterior(s));
    }
    return grad;
  }

  /** Adds {@code scale} d_phi log q(z|x). */
  void addEncoderScore(Map<String, double[]> grad, double[] z, double scale) {
    double[] l = encoderLogits();
    double[] w = grad.get(ENC_W);
    double[] b = grad.get(ENC_B);
    for (int j = 0; j < d; j++) {
      double r = scale * (z[j] - sigmoid(l[j]));
      b[j] += r;
      for (int i = 0; i < dim; i++) {
        w[i * d + j] += x[i] * r;
      }
    }
  }

  /** Adds {@code scale} d_theta log p(x, z). */
  void addJointScore(Map<String, double[]> grad, double[] z, double scale) {
    double[] p = grad.get(PRIOR_B);
    for (int j = 0; j < d; j++) {
      p[j] += scale * (z[j] - sigmoid(priorB[j]));
    }
    double[] l = decoderLogits(z);
    double[] w = grad.get(DEC_W);
    double[] b = grad.get(DEC_B);
    for (int f = 0; f < dim; f++) {
      double r = scale * (x[f] - sigmoid(l[f]));
      b[f] += r;
      for (int j = 0; j < d; j++) {
        w[j * dim + f] += z[j] * r;
      }
    }
  }

  Map<String, double[]> zeros() {
    Map<String, double[]> grad = new LinkedHashMap<>();
    grad.put(ENC_W, new double[dim * d]);
    grad.put(ENC_B, new double[d]);
    grad.put(DEC_W, new double[d * dim]);
    grad.put(DEC_B, new double[dim]);
    grad.put(PRIOR_B, new double[d]);
    return grad;
  }

  /** Checks this oracle's log q and log p(x, z) against the reference at every state. */
  double maxDeviationFromReference(VaeWeights weights) {
    ReferenceVae reference = new ReferenceVae(weights);
    float[] xs = new float[dim];
    for (int i = 0; i < dim; i++) {
      xs[i] = (float) x[i];
    }
    double worst = 0;
    for (int s = 0; s < states.length; s++) {
      float[] z = new float[d];
      for (int j = 0; j < d; j++) {
        z[j] = (float) states[s][j];
      }
      List<FloatTensor> zs = new ArrayList<>(List.of(FloatTensor.of(z, 1, d)));
      FloatTensor xt = FloatTensor.of(xs, 1, dim);
      ReferenceVae.LogJoint joint = reference.logJoint(xt, zs);
      double q = reference.logPosterior(xt, zs).logQz()[0];
      double p = joint.logPxGivenZ()[0] + joint.logPz()[0];
      worst = Math.max(worst, Math.max(Math.abs(q - logQ[s]), Math.abs(p - logJoint[s])));
    }
    return worst;
  }

  private double[] encoderLogits() {
    double[] l = encB.clone();
    for (int i = 0; i < dim; i++) {
      for (int j = 0; j < d; j++) {
        l[j] += x[i] * encW[i * d + j];
      }
    }
    return l;
  }

  private double[] decoderLogits(double[] z) {
    double[] l = decB.clone();
    for (int j = 0; j < d; j++) {
      for (int f = 0; f < dim; f++) {
        l[f] += z[j] * decW[j * dim + f];
      }
    }
    return l;
  }

  private static double bernoulli(double[] v, double[] logits) {
    double sum = 0;
    for (int j = 0; j < v.length; j++) {
      double l = logits[j];
      sum += v[j] * l - (Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))));
    }
    return sum;
  }

  static double sigmoid(double l) {
    return 1 / (1 + Math.exp(-l));
  }

  static double logSumExp(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double a : v) {
      max = Math.max(max, a);
    }
    double sum = 0;
    for (double a : v) {
      sum += Math.exp(a - max);
    }
    return max + Math.log(sum);
  }

  private static double[] widen(float[] f) {
    double[] out = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      out[i] = f[i];
    }
    return out;
  }
}
