package io.latentserve.trainer.core.dvae;

/**
 * Spike-and-exponential (Rolfe 2017): r(zeta|0) = delta(zeta), r(zeta|1) = beta e^(beta zeta) /
 * (e^beta - 1) on [0, 1]. Not overlapping: z = 0 always gives zeta = 0, whose gradient is zero; z =
 * 1 gives zeta = log(1 + (e^beta - 1) rho) / beta, whose gradient in q is (1 - R1) / (q r1(zeta)),
 * the original code's d zeta / d q at a fixed uniform.
 */
public record SpikeExp(double beta) implements Smoothing {
  public SpikeExp {
    Smoothing.checkBeta(beta);
  }

  @Override
  public SmoothingKind kind() {
    return SmoothingKind.SPIKE_EXP;
  }

  /** The spike: no density away from zero (the atom is handled by {@link #cdf0}). */
  @Override
  public double logR0(double zeta) {
    return Double.NEGATIVE_INFINITY;
  }

  @Override
  public double logR1(double zeta) {
    if (zeta < 0 || zeta > 1) {
      return Double.NEGATIVE_INFINITY;
    }
    return Math.log(beta) + beta * zeta - Math.log(Math.expm1(beta));
  }

  @Override
  public double cdf0(double zeta) {
    return zeta < 0 ? 0 : 1;
  }

  @Override
  public double cdf1(double zeta) {
    if (zeta <= 0) {
      return 0;
    }
    return zeta >= 1 ? 1 : Math.expm1(beta * zeta) / Math.expm1(beta);
  }

  @Override
  public double sample(boolean z, double rho) {
    return z ? Math.log1p(Math.expm1(beta) * rho) / beta : 0;
  }

  @Override
  public double gradient(double q, double zeta) {
    if (zeta <= 0) {
      return 0;
    }
    return (1 - cdf1(zeta)) / (q * Math.exp(logR1(zeta)));
  }
}
