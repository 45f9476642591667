package io.latentserve.deploy;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command-line tool that a test uses when the machine has it ({@code kubectl kustomize}, {@code
 * promtool}); the tests that need one are skipped where it is missing.
 */
record ExternalTool(String name) {
  /** What a run printed. */
  record Result(int exitCode, String stdout, String stderr) {}

  /** Whether an executable of this name is on the PATH. */
  boolean available() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return true;
      }
    }
    return false;
  }

  /** Runs the tool with arguments, killing it after {@code timeout}. */
  Result run(Duration timeout, String... args) {
    List<String> command = new ArrayList<>();
    command.add(name);
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile("tool", ".out");
      Path err = Files.createTempFile("tool", ".err");
      try {
        Process p =
            new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException(command + " ran longer than " + timeout);
        }
        return new Result(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
