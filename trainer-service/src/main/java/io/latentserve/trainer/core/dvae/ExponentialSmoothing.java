package io.latentserve.trainer.core.dvae;

/**
 * The overlapping exponential smoothing (DVAE++): r(zeta|0) = beta e^(-beta zeta) / (1 - e^(-beta))
 * on [0, 1], r(zeta|1) = r(1 - zeta|0); R0(zeta) = (1 - e^(-beta zeta)) / (1 - e^(-beta)), and its
 * inverse zeta = -log(1 - (1 - e^(-beta)) rho) / beta.
 */
public record ExponentialSmoothing(double beta) implements MirroredSmoothing {
  public ExponentialSmoothing {
    Smoothing.checkBeta(beta);
  }

  @Override
  public SmoothingKind kind() {
    return SmoothingKind.EXP;
  }

  @Override
  public double logR0(double zeta) {
    if (zeta < 0 || zeta > 1) {
      return Double.NEGATIVE_INFINITY;
    }
    return Math.log(beta) - beta * zeta - Math.log(-Math.expm1(-beta));
  }

  @Override
  public double cdf0(double zeta) {
    if (zeta <= 0) {
      return 0;
    }
    return zeta >= 1 ? 1 : Math.expm1(-beta * zeta) / Math.expm1(-beta);
  }

  @Override
  public double sample(boolean z, double rho) {
    // r(.|1) mirrors r(.|0): its inverse CDF at rho is 1 - R0^-1(1 - rho)
    double u = z ? 1 - rho : rho;
    double zeta = -Math.log1p(Math.expm1(-beta) * u) / beta;
    return z ? 1 - zeta : zeta;
  }
}
