package io.latentserve.model;

import java.util.List;

/**
 * A two-layer linear-Gaussian model with scalar latents, the closed-form oracle of HIT's top-down
 * structure: z ~ N(0, 1), y | z ~ N(a z + b, s^2), x | y ~ N(w y + c, sigma^2 I) with x of D
 * features. Its posterior is Gaussian and factorises exactly as the top-down encoder does, with
 * p(z|x) and p(y|z, x) both linear in their inputs and of constant variance, so that {@link
 * #exactWeights()} gives a bundle whose encoder is the true posterior: every importance weight then
 * equals p(x), and the per-layer rates R_z = KL(q(z|x) || N(0, 1)) and R_y = E_z KL(q(y|z, x) ||
 * p(y|z)) have the closed forms of {@link #rateZ} and {@link #rateY}.
 *
 * @param a the weight of z in the mean of y
 * @param b the bias of the mean of y
 * @param s the standard deviation of y given z, > 0
 * @param w the weights of y in the mean of x, [D]
 * @param c the biases of the mean of x, [D]
 * @param sigma the standard deviation of x given y, > 0
 */
public record TopDownLinearGaussian(
    double a, double b, double s, double[] w, double[] c, double sigma) {
  public TopDownLinearGaussian {
    if (!(s > 0) || !(sigma > 0)) {
      throw new IllegalArgumentException("s and sigma must be > 0, got " + s + ", " + sigma);
    }
    if (w.length == 0 || w.length != c.length) {
      throw new IllegalArgumentException(
          "w and c need the same length D > 0, got " + w.length + " and " + c.length);
    }
    w = w.clone();
    c = c.clone();
  }

  @Override
  public double[] w() {
    return w.clone();
  }

  @Override
  public double[] c() {
    return c.clone();
  }

  /** The architecture: layers y (bottom) and z (top) of one unit, linear, top-down. */
  public VaeArchitecture architecture() {
    return new VaeArchitecture(
            w.length,
            List.of(new StochasticLayer("y", 1, List.of()), new StochasticLayer("z", 1, List.of())),
            Activation.TANH,
            LikelihoodFamily.GAUSSIAN_FIXED,
            sigma)
        .withInference(InferenceStructure.TOP_DOWN);
  }

  private double ww() {
    double sum = 0;
    for (double v : w) {
      sum += v * v;
    }
    return sum;
  }

  /** 1 / (sigma^2 + s^2 |w|^2): w^T M^-1 = g w^T for M = Cov(x | z). */
  private double g() {
    return 1 / (sigma * sigma + s * s * ww());
  }

  /** The precision of p(z|x). */
  private double precisionZ() {
    return 1 + a * a * ww() * g();
  }

  /** The precision of p(y|z, x). */
  private double precisionY() {
    return 1 / (s * s) + ww() / (sigma * sigma);
  }

  /** The mean of p(z|x). */
  public double posteriorMeanZ(double[] x) {
    double dot = 0;
    for (int j = 0; j < w.length; j++) {
      dot += w[j] * (x[j] - w[j] * b - c[j]);
    }
    return a * g() * dot / precisionZ();
  }

  /** The variance of p(z|x), the same for every x. */
  public double posteriorVarianceZ() {
    return 1 / precisionZ();
  }

  /** The mean of p(y|z, x). */
  public double posteriorMeanY(double[] x, double z) {
    double dot = 0;
    for (int j = 0; j < w.length; j++) {
      dot += w[j] * (x[j] - c[j]);
    }
    return ((a * z + b) / (s * s) + dot / (sigma * sigma)) / precisionY();
  }

  /** The variance of p(y|z, x), the same for every x and z. */
  public double posteriorVarianceY() {
    return 1 / precisionY();
  }

  /** log p(x), nats: x ~ N(w b + c, sigma^2 I + (a^2 + s^2) w w^T). */
  public double logMarginal(double[] x) {
    double t = a * a + s * s;
    double s2 = sigma * sigma;
    double rr = 0;
    double wr = 0;
    for (int j = 0; j < w.length; j++) {
      double r = x[j] - w[j] * b - c[j];
      rr += r * r;
      wr += w[j] * r;
    }
    double quadratic = (rr - t * wr * wr / (s2 + t * ww())) / s2;
    double logDet = w.length * Math.log(s2) + Math.log1p(t * ww() / s2);
    return -0.5 * (w.length * Math.log(2 * Math.PI) + logDet + quadratic);
  }

  /** R_z(x) = KL(p(z|x) || N(0, 1)), nats. */
  public double rateZ(double[] x) {
    double m = posteriorMeanZ(x);
    double v = posteriorVarianceZ();
    return 0.5 * (v + m * m - 1 - Math.log(v));
  }

  /**
   * R_y(x) = E_{z ~ p(z|x)} KL(p(y|z, x) || p(y|z)), nats: the two means differ by an affine
   * function of z, so the expectation adds the variance of z times its slope squared.
   */
  public double rateY(double[] x) {
    double v = posteriorVarianceY();
    double mz = posteriorMeanZ(x);
    double diffAtMean = posteriorMeanY(x, mz) - (a * mz + b);
    double slope = a / (s * s) / precisionY() - a;
    double meanSquare = diffAtMean * diffAtMean + slope * slope * posteriorVarianceZ();
    return 0.5 * (v / (s * s) + meanSquare / (s * s) - 1 - Math.log(v / (s * s)));
  }

  /** Weights whose encoder is the exact posterior: q(z|x) = p(z|x), q(y|z, x) = p(y|z, x). */
  public VaeWeights exactWeights() {
    int d = w.length;
    double pz = precisionZ();
    double py = precisionY();
    float[] encZ = new float[d];
    double biasZ = 0;
    for (int j = 0; j < d; j++) {
      encZ[j] = (float) (a * g() * w[j] / pz);
      biasZ -= a * g() * w[j] * (w[j] * b + c[j]) / pz;
    }
    float[] encY = new float[d + 1];
    double biasY = b / (s * s) / py;
    for (int j = 0; j < d; j++) {
      encY[j] = (float) (w[j] / (sigma * sigma) / py);
      biasY -= w[j] * c[j] / (sigma * sigma) / py;
    }
    encY[d] = (float) (a / (s * s) / py);
    GaussianMlp encoderY =
        new GaussianMlp(
            List.of(),
            new Dense(d + 1, 1, encY, new float[] {(float) biasY}),
            new Dense(d + 1, 1, new float[d + 1], new float[] {(float) -Math.log(py)}));
    GaussianMlp encoderZ =
        new GaussianMlp(
            List.of(),
            new Dense(d, 1, encZ, new float[] {(float) biasZ}),
            new Dense(d, 1, new float[d], new float[] {(float) -Math.log(pz)}));
    float[] wf = new float[d];
    float[] cf = new float[d];
    for (int j = 0; j < d; j++) {
      wf[j] = (float) w[j];
      cf[j] = (float) c[j];
    }
    GaussianMlp decoderY = new GaussianMlp(List.of(), new Dense(1, d, wf, cf), null);
    GaussianMlp decoderZ =
        new GaussianMlp(
            List.of(),
            new Dense(1, 1, new float[] {(float) a}, new float[] {(float) b}),
            new Dense(1, 1, new float[1], new float[] {(float) Math.log(s * s)}));
    return new VaeWeights(
        architecture(), List.of(encoderY, encoderZ), List.of(decoderY, decoderZ), null);
  }
}
