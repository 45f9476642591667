package io.latentserve.evaluator.report;

import io.latentserve.evaluator.core.EvaluationOutcome;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.ReportFiles;
import io.latentserve.evaluator.core.ReportRepository;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports on disk, one folder per evaluation: {@code <root>/<evaluationId>/} with the files of
 * {@link ReportWriter}. A report is written into a hidden temporary folder and renamed into place,
 * so a reader never sees half a report.
 */
public final class ReportStore implements ReportRepository {
  private static final Logger log = LoggerFactory.getLogger(ReportStore.class);

  /** Evaluation identifiers: lower-case letters, digits and dashes, 1 to 64 characters. */
  public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

  private final Path root;

  public ReportStore(Path root) {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath();
  }

  public Path root() {
    return root;
  }

  /** Whether {@code id} is a well-formed evaluation identifier. */
  public static boolean isValidId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** The files a stored report has (whether or not it exists yet). */
  @Override
  public ReportFiles files(String id) {
    Path dir = folder(id);
    return new ReportFiles(
        dir, dir.resolve(ReportWriter.JSON), dir.resolve(ReportWriter.HTML), List.of());
  }

  private Path folder(String id) {
    if (!isValidId(id)) {
      throw new IllegalArgumentException(
          "evaluation id must match " + ID.pattern() + ", got " + id);
    }
    return root.resolve(id);
  }

  /** Writes an evaluation's report, replacing any earlier one with the same id. */
  @Override
  public ReportFiles save(EvaluationOutcome outcome) throws IOException {
    String id = outcome.report().evaluationId();
    Path target = folder(id);
    Files.createDirectories(root);
    Path temp = Files.createTempDirectory(root, "." + id + "-");
    try {
      ReportWriter.write(temp, outcome);
      if (Files.exists(target)) {
        deleteTree(target);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target);
      }
    } catch (IOException | RuntimeException e) {
      deleteTree(temp);
      throw e;
    }
    List<Path> plots = new ArrayList<>();
    try (Stream<Path> files = Files.list(target)) {
      files.filter(p -> p.getFileName().toString().endsWith(".png")).sorted().forEach(plots::add);
    }
    return new ReportFiles(
        target, target.resolve(ReportWriter.JSON), target.resolve(ReportWriter.HTML), plots);
  }

  /** A stored report, or empty when there is none with this id. */
  @Override
  public Optional<EvaluationReport> load(String id) throws IOException {
    Path json = folder(id).resolve(ReportWriter.JSON);
    try {
      return Optional.of(ReportJson.fromJson(Files.readAllBytes(json)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Every readable stored report, newest first; unreadable folders are skipped and logged. */
  @Override
  public List<EvaluationReport> list() throws IOException {
    List<EvaluationReport> reports = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return reports;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (!isValidId(name) || !Files.isDirectory(dir)) {
          continue;
        }
        try {
          load(name).ifPresent(reports::add);
        } catch (IOException e) {
          log.warn("skipping unreadable report {}: {}", name, e.toString());
        }
      }
    }
    reports.sort(
        Comparator.comparing(EvaluationReport::created)
            .reversed()
            .thenComparing(EvaluationReport::evaluationId));
    return reports;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
