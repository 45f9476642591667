package io.latentserve.evaluator.core;

import java.util.EnumSet;
import java.util.Set;

/** The metrics an evaluation can compute. */
public enum Metric {
  /** Importance-weighted log-likelihood, its curve over k and the effective sample size. */
  IWLL,
  /** ELBO and distortion. */
  ELBO,
  /** KL(q || p) per latent layer. */
  RATES,
  /** Active units per layer. */
  ACTIVE_UNITS,
  /** I(x;z): aggregate-posterior and minibatch estimators. */
  MUTUAL_INFORMATION,
  /** MMD^2(q(z), p(z)) of the top layer. */
  MMD,
  /** I(x; z_1) by a Gaussian KDE of q(z_1) (LagVAE's evaluation), see {@link GaussianKde}. */
  KDE_MUTUAL_INFORMATION,
  /** LagVAE's consistency NLL + KL = -ELBO on the evaluated split. */
  CONSISTENCY,
  /** I(z_l; label) per layer, HIT's class-wise aggregate-posterior estimator; needs labels. */
  LABEL_INFORMATION,
  /** Logistic-regression probes of the label on each layer's posterior means; needs labels. */
  LINEAR_PROBES;

  /** Every metric. */
  public static Set<Metric> all() {
    return EnumSet.allOf(Metric.class);
  }

  /**
   * The metrics of a request that names none: those that need neither labels nor a second split
   * ({@link #IWLL} to {@link #MMD}).
   */
  public static Set<Metric> defaults() {
    return EnumSet.range(IWLL, MMD);
  }
}
