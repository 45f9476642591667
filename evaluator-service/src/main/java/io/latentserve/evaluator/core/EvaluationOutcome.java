package io.latentserve.evaluator.core;

import java.util.Objects;

/**
 * What an evaluation produces: the report and the pictures for its plots.
 *
 * @param report the metrics
 * @param previews prior samples and reconstructions
 */
public record EvaluationOutcome(EvaluationReport report, Previews previews) {
  public EvaluationOutcome {
    Objects.requireNonNull(report, "report");
    Objects.requireNonNull(previews, "previews");
  }
}
