package io.latentserve.evaluator.core;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Where finished evaluations' reports are kept, by evaluation id. */
public interface ReportRepository {
  /** Stores an evaluation's report, replacing any earlier one with the same id. */
  ReportFiles save(EvaluationOutcome outcome) throws IOException;

  /** A stored report, or empty when there is none with this id. */
  Optional<EvaluationReport> load(String evaluationId) throws IOException;

  /** Every readable stored report, newest first. */
  List<EvaluationReport> list() throws IOException;

  /** The files a stored report has (whether or not it exists yet). */
  ReportFiles files(String evaluationId);
}
