package io.latentserve.evaluator.core;

import java.util.Objects;

/**
 * The importance-weighted log-likelihood with the first {@code k} samples of every example.
 *
 * @param k samples used, >= 1
 * @param logLikelihood mean log p(x) estimate over examples and its standard error, nats
 */
public record IwllPoint(int k, Estimate logLikelihood) {
  public IwllPoint {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    Objects.requireNonNull(logLikelihood, "logLikelihood");
  }
}
