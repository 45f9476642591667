package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The quickstart's output and service logs, as its tests check them and show them on failure. */
final class QuickstartLogs {
  private static final int LOG_LINES = 40;

  private QuickstartLogs() {}

  /** Each service's log under {@code workdir/logs} ends with its graceful shutdown's last line. */
  static void assertEveryServiceStoppedCleanly(Path workdir) throws IOException {
    for (String service : List.of("inference", "trainer", "evaluator")) {
      List<String> lines = Files.readAllLines(workdir.resolve("logs").resolve(service + ".log"));
      assertThat(lines)
          .as(service + " log ends with a clean shutdown")
          .last()
          .asString()
          .endsWith(": stopped");
    }
  }

  /**
   * A failure that shows the message, the quickstart's output and the end of each service log.
   *
   * @param output the file the quickstart's stdout and stderr went to
   * @param workdir the quickstart's --workdir, whose {@code logs} folder holds the service logs
   */
  static AssertionError failure(String message, Throwable cause, Path output, Path workdir) {
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
