package io.latentserve.evaluator.core;

/**
 * A mean over examples and its standard error.
 *
 * @param value the mean, in the unit of the quantity (nats for log densities)
 * @param standardError sample standard deviation over examples divided by sqrt(N); 0 for one
 *     example
 */
public record Estimate(double value, double standardError) {
  public Estimate {
    if (Double.isNaN(standardError) || standardError < 0) {
      throw new IllegalArgumentException("standard error must be >= 0, got " + standardError);
    }
  }

  /**
   * The mean of {@code values} and its standard error, summed in index order so that the result
   * depends on the values alone, not on the order in which they were computed.
   */
  public static Estimate ofSamples(double[] values) {
    int n = values.length;
    if (n == 0) {
      throw new IllegalArgumentException("an estimate needs at least one value");
    }
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    double mean = sum / n;
    if (n == 1) {
      return new Estimate(mean, 0);
    }
    double squares = 0;
    for (double v : values) {
      squares += (v - mean) * (v - mean);
    }
    return new Estimate(mean, Math.sqrt(squares / (n - 1) / n));
  }
}
