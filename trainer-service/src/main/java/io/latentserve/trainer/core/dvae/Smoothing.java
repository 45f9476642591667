package io.latentserve.trainer.core.dvae;

/**
 * A smoothing relaxation of a binary latent z in {0, 1}: a continuous zeta drawn from r(zeta|z), so
 * that the marginal q(zeta) = (1 - q) r(zeta|0) + q r(zeta|1) is differentiable in q = q(z = 1).
 * The decoder reads zeta instead of z during training (the model evaluated and served is the
 * discrete one).
 *
 * <p>Gradients follow the implicit reparameterization of DVAE++ (Vahdat et al. 2018): with the
 * mixture CDF F(zeta; q) = (1 - q) R0(zeta) + q R1(zeta) held at its draw, d zeta / d q = -(dF/dq)
 * / (dF/dzeta) = (R0(zeta) - R1(zeta)) / q(zeta), {@link #gradient}; a graph uses it through the
 * surrogate zeta_out = sg(zeta) + g q - sg(g q) with g = sg(d zeta / d q).
 *
 * <p>Densities and CDFs are of one unit; {@code beta} sharpens every smoothing (larger beta, zeta
 * closer to z).
 */
public sealed interface Smoothing permits SpikeExp, MirroredSmoothing, GaussianSmoothing {

  /** Probabilities are clipped to [Q_MIN, 1 - Q_MIN] before a draw, as the original code does. */
  double Q_MIN = 1e-7;

  /** The sharpness beta, finite and > 0. */
  double beta();

  /** The kind of this smoothing (its name in the API and the default betas). */
  SmoothingKind kind();

  /** log r(zeta|0); negative infinity outside the support. */
  double logR0(double zeta);

  /** log r(zeta|1). */
  double logR1(double zeta);

  /** R0(zeta) = P(zeta' <= zeta | z = 0). */
  double cdf0(double zeta);

  /** R1(zeta) = P(zeta' <= zeta | z = 1). */
  double cdf1(double zeta);

  /**
   * A draw of zeta ~ r(.|z) from a uniform {@code rho} in [0, 1): the inverse CDF of r(.|z) at rho.
   */
  double sample(boolean z, double rho);

  /** The marginal CDF F(zeta; q) = (1 - q) R0(zeta) + q R1(zeta). */
  default double cdf(double q, double zeta) {
    return (1 - q) * cdf0(zeta) + q * cdf1(zeta);
  }

  /** The marginal density q(zeta) = (1 - q) r(zeta|0) + q r(zeta|1), at a point without an atom. */
  default double density(double q, double zeta) {
    return (1 - q) * Math.exp(logR0(zeta)) + q * Math.exp(logR1(zeta));
  }

  /**
   * d zeta / d q at a draw zeta, holding the mixture CDF fixed: (R0 - R1) / q(zeta). Zero where the
   * density is zero (the spike of spike-and-exp, whose draws do not move with q).
   */
  default double gradient(double q, double zeta) {
    double density = density(q, zeta);
    if (!(density > 0) || !Double.isFinite(density)) {
      return 0;
    }
    return (cdf0(zeta) - cdf1(zeta)) / density;
  }

  /** The smoothing {@code kind} with sharpness {@code beta}. */
  static Smoothing of(SmoothingKind kind, double beta) {
    return switch (kind) {
      case SPIKE_EXP -> new SpikeExp(beta);
      case EXP -> new ExponentialSmoothing(beta);
      case POWER -> new PowerSmoothing(beta);
      case UNIFORM_EXP -> new UniformExpSmoothing(beta);
      case GAUSSIAN -> new GaussianSmoothing(beta);
    };
  }

  /** Checks that beta is finite and > 0. */
  static void checkBeta(double beta) {
    if (!(beta > 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("beta must be finite and > 0, got " + beta);
    }
  }

  /** q clipped to [Q_MIN, 1 - Q_MIN]. */
  static double clip(double q) {
    return Math.min(1 - Q_MIN, Math.max(Q_MIN, q));
  }
}
