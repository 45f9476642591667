package io.latentserve.trainer.core.dvae;

/**
 * The power-function smoothing (DVAE++, DVAE#): with lambda = 1 / beta, r(zeta|0) = lambda
 * zeta^(lambda - 1) on (0, 1], R0(zeta) = zeta^lambda, zeta = rho^beta; r(zeta|1) = r(1 - zeta|0).
 * Note lambda = 1/beta (a pitfall of the original code's naming).
 */
public record PowerSmoothing(double beta) implements MirroredSmoothing {
  /**
   * Added inside the logarithm of the density, as the original code does, so zeta = 0 is finite.
   */
  public static final double EPSILON = 1e-7;

  public PowerSmoothing {
    Smoothing.checkBeta(beta);
  }

  @Override
  public SmoothingKind kind() {
    return SmoothingKind.POWER;
  }

  @Override
  public double logR0(double zeta) {
    if (zeta < 0 || zeta > 1) {
      return Double.NEGATIVE_INFINITY;
    }
    double lambda = 1 / beta;
    return Math.log(lambda) + (lambda - 1) * Math.log(zeta + EPSILON);
  }

  @Override
  public double cdf0(double zeta) {
    if (zeta <= 0) {
      return 0;
    }
    return zeta >= 1 ? 1 : Math.pow(zeta, 1 / beta);
  }

  @Override
  public double sample(boolean z, double rho) {
    double zeta = Math.pow(z ? 1 - rho : rho, beta);
    return z ? 1 - zeta : zeta;
  }
}
