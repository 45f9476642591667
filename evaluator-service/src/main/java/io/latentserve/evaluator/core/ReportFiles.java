package io.latentserve.evaluator.core;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a stored report's files are.
 *
 * @param directory the report's folder
 * @param json the JSON report
 * @param html the HTML page
 * @param plots the PNG plots, in the order the page shows them
 */
public record ReportFiles(Path directory, Path json, Path html, List<Path> plots) {
  public ReportFiles {
    plots = List.copyOf(plots);
  }
}
