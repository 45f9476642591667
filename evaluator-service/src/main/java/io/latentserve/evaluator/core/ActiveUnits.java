package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;

/**
 * Active units (Burda, Grosse and Salakhutdinov 2015, section 5.2): latent unit d is active when
 * its activity A_d = Cov_x(E_{q(z|x)}[z_d]) exceeds 0.01.
 */
public final class ActiveUnits {
  /** The activity above which a unit counts as active. */
  public static final double THRESHOLD = 0.01;

  private ActiveUnits() {}

  /**
   * The activity of every unit: the sample variance over examples (divisor N - 1; 0 for one
   * example) of the posterior means.
   *
   * @param means E_q[z|x_n], [N, d]
   * @return [d]
   */
  public static double[] activity(FloatTensor means) {
    if (means.rank() != 2 || means.dim(0) < 1) {
      throw new IllegalArgumentException("means must be [N, d] with N >= 1, got " + means);
    }
    int n = (int) means.dim(0);
    int d = (int) means.dim(1);
    float[] m = means.data();
    double[] mu = new double[d];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        mu[c] += m[r * d + c];
      }
    }
    for (int c = 0; c < d; c++) {
      mu[c] /= n;
    }
    double[] variance = new double[d];
    if (n == 1) {
      return variance;
    }
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        double diff = m[r * d + c] - mu[c];
        variance[c] += diff * diff;
      }
    }
    for (int c = 0; c < d; c++) {
      variance[c] /= n - 1;
    }
    return variance;
  }

  /** Number of units whose activity exceeds {@link #THRESHOLD}. */
  public static int count(double[] activity) {
    int active = 0;
    for (double a : activity) {
      if (a > THRESHOLD) {
        active++;
      }
    }
    return active;
  }
}
