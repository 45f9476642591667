package io.latentserve.evaluator.core;

import java.util.Objects;

/** A finished evaluation's report and where its files are. */
public record StoredReport(EvaluationReport report, ReportFiles files) {
  public StoredReport {
    Objects.requireNonNull(report, "report");
    Objects.requireNonNull(files, "files");
  }
}
