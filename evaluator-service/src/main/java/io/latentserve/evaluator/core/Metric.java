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
  MMD;

  /** Every metric, for a request that names none. */
  public static Set<Metric> all() {
    return EnumSet.allOf(Metric.class);
  }
}
