package io.latentserve.trainer.core.dvae;

/**
 * DVAE#'s uniform + exponential mixture: r(zeta|0) = 0.95 r_exp(zeta|0) + 0.05 on [0, 1] (the
 * uniform part keeps the density of the far end away from zero), r(zeta|1) = r(1 - zeta|0). Its CDF
 * has no closed-form inverse: {@link #sample} solves R0(zeta) = rho by safeguarded Newton steps to
 * 1e-12.
 */
public record UniformExpSmoothing(double beta) implements MirroredSmoothing {
  /** The weight of the uniform component. */
  public static final double UNIFORM_WEIGHT = 0.05;

  public UniformExpSmoothing {
    Smoothing.checkBeta(beta);
  }

  private ExponentialSmoothing exponential() {
    return new ExponentialSmoothing(beta);
  }

  @Override
  public SmoothingKind kind() {
    return SmoothingKind.UNIFORM_EXP;
  }

  @Override
  public double logR0(double zeta) {
    if (zeta < 0 || zeta > 1) {
      return Double.NEGATIVE_INFINITY;
    }
    return Math.log((1 - UNIFORM_WEIGHT) * Math.exp(exponential().logR0(zeta)) + UNIFORM_WEIGHT);
  }

  @Override
  public double cdf0(double zeta) {
    if (zeta <= 0) {
      return 0;
    }
    if (zeta >= 1) {
      return 1;
    }
    return (1 - UNIFORM_WEIGHT) * exponential().cdf0(zeta) + UNIFORM_WEIGHT * zeta;
  }

  @Override
  public double sample(boolean z, double rho) {
    if (z) {
      return 1 - sample(false, 1 - rho);
    }
    double lo = 0;
    double hi = 1;
    double zeta = exponential().sample(false, rho);
    for (int i = 0; i < 100; i++) {
      double f = cdf0(zeta) - rho;
      if (Math.abs(f) < 1e-12) {
        break;
      }
      if (f > 0) {
        hi = zeta;
      } else {
        lo = zeta;
      }
      double next = zeta - f / Math.exp(logR0(zeta));
      zeta = next > lo && next < hi ? next : (lo + hi) / 2;
    }
    return zeta;
  }
}
