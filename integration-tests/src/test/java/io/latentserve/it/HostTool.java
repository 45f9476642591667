package io.latentserve.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Programs outside the JVM that some integration tests run (node, npm, prometheus), and the source
 * tree they read.
 *
 * <p>A missing program fails the test when the environment variable {@code CI} is {@code true}
 * (.ci/run installs every one of them), and skips it with the reason otherwise, so that a developer
 * without Node.js or Prometheus can still run the rest.
 */
final class HostTool {
  private HostTool() {}

  /**
   * The executable {@code name} found on PATH.
   *
   * @param install how to install it, for the failure or skip message
   */
  static Path require(String name, String install) {
    Optional<Path> found = onPath(name);
    if (found.isPresent()) {
      return found.get();
    }
    String reason = name + " is not on PATH (" + install + ")";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      return fail(reason + "; CI=true, so this test may not be skipped");
    }
    // also on stderr: Maven's console lists skipped tests without their reason
    System.err.println("skipped: " + reason + " (a failure where CI=true)");
    Assumptions.abort(reason + "; skipped locally, a failure where CI=true");
    throw new AssertionError("unreachable");
  }

  /**
   * Checks that {@code python} imports every module of {@code modules}, as {@link #require} checks
   * a program: a failure where {@code CI=true}, a skip elsewhere.
   *
   * @param install how to install them, for the failure or skip message
   */
  static void requirePythonModules(Path python, List<String> modules, String install) {
    ProcessBuilder check =
        new ProcessBuilder(python.toString(), "-c", "import " + String.join(", ", modules));
    Path log;
    try {
      log = Files.createTempFile("python-modules", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      if (run(check, log, 60) == 0) {
        return;
      }
      String reason =
          python
              + " cannot import "
              + String.join(", ", modules)
              + " ("
              + install
              + "): "
              + Files.readString(log).strip();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(reason + "; CI=true, so this test may not be skipped");
      }
      System.err.println("skipped: " + reason + " (a failure where CI=true)");
      Assumptions.abort(reason + "; skipped locally, a failure where CI=true");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(log);
      } catch (IOException e) {
        // a temporary file left behind
      }
    }
  }

  /** The executable {@code name} in the first PATH directory that has one. */
  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * The repository root, from the system property {@code latentserve.source.root} that the
   * integration-tests POM sets (or the parent of the working directory, Maven's module folder).
   */
  static Path sourceRoot() {
    String root = System.getProperty("latentserve.source.root");
    Path path = (root != null ? Path.of(root) : Path.of("..")).toAbsolutePath().normalize();
    if (!Files.isDirectory(path.resolve("proto"))) {
      throw new IllegalStateException(path + " is not the latentserve source tree (no proto/)");
    }
    return path;
  }

  /**
   * Runs {@code command} in {@code dir} with its output in {@code log} and waits at most {@code
   * timeoutSeconds}; kills it then.
   *
   * @return its exit code
   */
  static int run(ProcessBuilder command, Path log, long timeoutSeconds) {
    command
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      Process process = command.start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        return fail(
            String.join(" ", command.command())
                + " did not finish within "
                + timeoutSeconds
                + " s; output:\n"
                + Files.readString(log));
      }
      return process.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command.command(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.command(), e);
    }
  }
}
