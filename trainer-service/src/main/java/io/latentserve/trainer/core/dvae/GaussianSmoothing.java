package io.latentserve.trainer.core.dvae;

/**
 * DVAE#'s Gaussian smoothing: r(zeta|z) = N(z, 1/beta) on the real line, not truncated; R0(zeta) =
 * Phi(zeta sqrt(beta)), zeta = z + Phi^-1(rho) / sqrt(beta).
 */
public record GaussianSmoothing(double beta) implements Smoothing {
  public GaussianSmoothing {
    Smoothing.checkBeta(beta);
  }

  @Override
  public SmoothingKind kind() {
    return SmoothingKind.GAUSSIAN;
  }

  @Override
  public double logR0(double zeta) {
    return 0.5 * Math.log(beta / (2 * Math.PI)) - 0.5 * beta * zeta * zeta;
  }

  @Override
  public double logR1(double zeta) {
    return logR0(zeta - 1);
  }

  @Override
  public double cdf0(double zeta) {
    return Normal.cdf(zeta * Math.sqrt(beta));
  }

  @Override
  public double cdf1(double zeta) {
    return cdf0(zeta - 1);
  }

  @Override
  public double sample(boolean z, double rho) {
    return (z ? 1 : 0) + Normal.quantile(rho) / Math.sqrt(beta);
  }
}
