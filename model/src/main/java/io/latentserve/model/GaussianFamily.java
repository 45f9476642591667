package io.latentserve.model;

import java.util.List;

/**
 * Diagonal Gaussian latents: parameters mean and log variance, z = mean + exp(logvar / 2) eps with
 * eps ~ N(0, 1), log density {@code sum_d -0.5 (log 2 pi + logvar + (z - mean)^2 exp(-logvar))}.
 */
final class GaussianFamily implements LatentFamily {
  private static final double LOG_2PI = Math.log(2 * Math.PI);

  GaussianFamily() {}

  @Override
  public String name() {
    return "gaussian";
  }

  @Override
  public List<String> parameterNames() {
    return List.of("mean", "logvar");
  }

  @Override
  public NoiseKind noise() {
    return NoiseKind.STANDARD_NORMAL;
  }

  @Override
  public boolean reparameterizable() {
    return true;
  }

  @Override
  public double[] sample(double[][] parameters, double[] noise) {
    double[] mean = parameters[0];
    double[] logVariance = parameters[1];
    double[] z = new double[noise.length];
    for (int j = 0; j < z.length; j++) {
      z[j] = mean[j] + Math.exp(0.5 * logVariance[j]) * noise[j];
    }
    return z;
  }

  @Override
  public double logDensity(double[] z, double[][] parameters) {
    double[] mean = parameters[0];
    double[] logVariance = parameters[1];
    double sum = 0;
    for (int j = 0; j < z.length; j++) {
      double diff = z[j] - mean[j];
      sum += LOG_2PI + logVariance[j] + diff * diff * Math.exp(-logVariance[j]);
    }
    return -0.5 * sum;
  }

  @Override
  public double[] expectation(double[][] parameters) {
    return parameters[0].clone();
  }

  @Override
  public double klDivergence(double[][] q, double[][] p) {
    double sum = 0;
    for (int j = 0; j < q[0].length; j++) {
      double diff = q[0][j] - p[0][j];
      sum += p[1][j] - q[1][j] + (Math.exp(q[1][j]) + diff * diff) * Math.exp(-p[1][j]) - 1;
    }
    return 0.5 * sum;
  }

  @Override
  public boolean inSupport(float value) {
    return Float.isFinite(value);
  }

  @Override
  public String support() {
    return "a finite number";
  }

  @Override
  public double[][] standardParameters(int d) {
    return new double[][] {new double[d], new double[d]};
  }

  @Override
  public String toString() {
    return name();
  }
}
