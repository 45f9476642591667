package io.latentserve.model;

import java.util.List;

/**
 * Independent Bernoulli latents in {0, 1} (sigmoid belief nets, DVAE's binary units): parameter
 * logits l, P(z = 1) = sigmoid(l); z = 1[l + eps > 0] with eps ~ Logistic(0, 1); log mass {@code
 * sum_d z l - softplus(l)}. Samples are not differentiable in l: train such layers with VIMCO or
 * reweighted wake-sleep.
 */
final class BernoulliFamily implements LatentFamily {
  BernoulliFamily() {}

  @Override
  public String name() {
    return "bernoulli";
  }

  @Override
  public List<String> parameterNames() {
    return List.of("logits");
  }

  @Override
  public NoiseKind noise() {
    return NoiseKind.LOGISTIC;
  }

  @Override
  public boolean reparameterizable() {
    return false;
  }

  @Override
  public double[] sample(double[][] parameters, double[] noise) {
    double[] logits = parameters[0];
    double[] z = new double[noise.length];
    for (int j = 0; j < z.length; j++) {
      z[j] = logits[j] + noise[j] > 0 ? 1 : 0;
    }
    return z;
  }

  @Override
  public double logDensity(double[] z, double[][] parameters) {
    double[] logits = parameters[0];
    double sum = 0;
    for (int j = 0; j < z.length; j++) {
      sum += z[j] * logits[j] - softplus(logits[j]);
    }
    return sum;
  }

  @Override
  public double[] expectation(double[][] parameters) {
    double[] logits = parameters[0];
    double[] p = new double[logits.length];
    for (int j = 0; j < p.length; j++) {
      p[j] = 1 / (1 + Math.exp(-logits[j]));
    }
    return p;
  }

  /**
   * sum_d q_d (log q_d - log p_d) + (1 - q_d) (log(1 - q_d) - log(1 - p_d)), with q_d = sigmoid(a),
   * p_d = sigmoid(b), log sigmoid(a) = -softplus(-a) and log(1 - sigmoid(a)) = -softplus(a).
   */
  @Override
  public double klDivergence(double[][] q, double[][] p) {
    double sum = 0;
    for (int j = 0; j < q[0].length; j++) {
      double a = q[0][j];
      double b = p[0][j];
      double qOne = 1 / (1 + Math.exp(-a));
      sum += qOne * (softplus(-b) - softplus(-a)) + (1 - qOne) * (softplus(b) - softplus(a));
    }
    return sum;
  }

  @Override
  public boolean inSupport(float value) {
    return value == 0f || value == 1f;
  }

  @Override
  public String support() {
    return "0 or 1";
  }

  @Override
  public double[][] standardParameters(int d) {
    throw new UnsupportedOperationException(
        "Bernoulli latents have no parameter-free prior: use a learned or conditional one");
  }

  /** log(1 + e^l) without overflow. */
  static double softplus(double l) {
    return Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l)));
  }

  @Override
  public String toString() {
    return name();
  }
}
