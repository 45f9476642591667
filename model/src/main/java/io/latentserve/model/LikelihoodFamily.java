package io.latentserve.model;

/** The distribution p(x|z1) of the data given the bottom latent layer. */
public enum LikelihoodFamily {
  /** Independent Bernoulli per feature; the decoder outputs logits. */
  BERNOULLI,
  /** Diagonal Gaussian with a fixed standard deviation; the decoder outputs the mean. */
  GAUSSIAN_FIXED,
  /** Diagonal Gaussian; the decoder outputs the mean and the log variance. */
  GAUSSIAN_LEARNED;

  private static final double LOG_2PI = Math.log(2 * Math.PI);

  /**
   * log p(x|z1) of one example, summed over its D features, nats, in double precision: the
   * reference every backend's likelihood is tested against.
   *
   * @param parameters the decoder's heads [heads][D]: Bernoulli logits; Gaussian mean (and log
   *     variance when learned)
   * @param sigma the standard deviation of {@link #GAUSSIAN_FIXED}, else unused
   */
  public double logDensity(double[] x, double[][] parameters, double sigma) {
    double[] mean = parameters[0];
    double sum = 0;
    switch (this) {
      case BERNOULLI -> {
        for (int j = 0; j < x.length; j++) {
          double l = mean[j];
          sum += x[j] * l - (Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))));
        }
      }
      case GAUSSIAN_FIXED -> {
        double constant = LOG_2PI + 2 * Math.log(sigma);
        for (int j = 0; j < x.length; j++) {
          double diff = x[j] - mean[j];
          sum += -0.5 * (constant + diff * diff / (sigma * sigma));
        }
      }
      case GAUSSIAN_LEARNED -> sum = LatentFamily.GAUSSIAN.logDensity(x, parameters);
    }
    return sum;
  }
}
