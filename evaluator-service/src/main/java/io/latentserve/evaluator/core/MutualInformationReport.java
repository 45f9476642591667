package io.latentserve.evaluator.core;

import java.util.Objects;

/**
 * I(x;z) estimates, nats (see {@link MutualInformationEstimator}).
 *
 * @param aggregate aggregate-posterior estimate over the whole evaluation set and its standard
 *     error
 * @param aggregateCeiling log N: the aggregate estimate cannot exceed it
 * @param minibatch the minibatch estimate (He et al. 2019)
 * @param minibatchSize the batch size of the minibatch estimate
 */
public record MutualInformationReport(
    Estimate aggregate, double aggregateCeiling, double minibatch, int minibatchSize) {
  public MutualInformationReport {
    Objects.requireNonNull(aggregate, "aggregate");
    if (minibatchSize < 1) {
      throw new IllegalArgumentException("minibatchSize must be >= 1, got " + minibatchSize);
    }
  }
}
