package io.latentserve.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a failed quickstart test shows: its message, the quickstart's output, each service log's
 * end.
 */
final class QuickstartFailure {
  private static final int LOG_LINES = 40;

  private QuickstartFailure() {}

  /**
   * @param output the file the quickstart's stdout and stderr went to
   * @param workdir the quickstart's --workdir, whose {@code logs} folder holds the service logs
   */
  static AssertionError of(String message, Throwable cause, Path output, Path workdir) {
    StringBuilder text = new StringBuilder(message).append("\n\n----- quickstart output -----\n");
    try {
      text.append(Files.readString(output, StandardCharsets.UTF_8));
      Path logs = workdir.resolve("logs");
      if (Files.isDirectory(logs)) {
        List<Path> files;
        try (Stream<Path> list = Files.list(logs)) {
          files = list.sorted().toList();
        }
        for (Path log : files) {
          List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
          text.append("\n----- ")
              .append(log.getFileName())
              .append(", last ")
              .append(LOG_LINES)
              .append(" lines -----\n");
          lines
              .subList(Math.max(0, lines.size() - LOG_LINES), lines.size())
              .forEach(line -> text.append(line).append('\n'));
        }
      }
    } catch (IOException e) {
      text.append("(could not read the logs: ").append(e).append(")");
    }
    return new AssertionError(text.toString(), cause);
  }
}
