package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Ctrl-C during {@code latentserve quickstart}: SIGINT reaches its JVM while the three services it
 * started are training, and its shutdown hook stops them (SIGTERM, each a graceful shutdown), so
 * that none outlives it.
 *
 * <p>Two ways the signal comes: to the quickstart alone (as from {@code kill -INT}), where the
 * services stop only because the quickstart stops them; and to its whole process group, the
 * services included, as a terminal's Ctrl-C sends it, where every process shuts down at once.
 *
 * <p>Then the same quickstart again, in the same work folder: it must finish, although the trainer
 * it starts finds the interrupted job in the folder's {@code jobs/} (cancelled by the first run's
 * hook where the trainer was still up, else resumed and replaced by the second run).
 */
class QuickstartInterruptIT {
  private static final Duration STARTED = Duration.ofMinutes(3);

  /**
   * How long the quickstart may take to exit after SIGINT: each service gets a graceful shutdown of
   * a few seconds, one after the other, within the 15 s that the quickstart waits for each.
   */
  private static final Duration PROMPT_EXIT = Duration.ofSeconds(45);

  /** A progress line of the training with at least one step done: "... 12.5% 500/4000 ...". */
  private static final Pattern TRAINING = Pattern.compile("%\\s+[1-9][0-9]*/[0-9]+\\s");

  /** The JVM's exit status after SIGINT: 128 + 2. */
  private static final int SIGINT_EXIT_STATUS = 130;

  /** How long the second, small quickstart may take (it builds nothing; it trains one epoch). */
  private static final Duration RERUN_LIMIT = Duration.ofMinutes(5);

  @TempDir Path work;

  private Process quickstart;
  private Process rerun;
  private List<ProcessHandle> services = List.of();
  private Path output;

  @AfterEach
  void killLeftovers() {
    if (quickstart != null && quickstart.isAlive()) {
      quickstart.destroyForcibly();
    }
    if (rerun != null) {
      rerun.descendants().forEach(ProcessHandle::destroyForcibly);
      rerun.destroyForcibly();
    }
    services.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /** Who gets SIGINT. */
  enum Recipient {
    /** The quickstart's JVM alone: {@code kill -INT <pid>}. */
    QUICKSTART,
    /** Its process group, the services included, as from a terminal: {@code kill -INT -<pgid>}. */
    PROCESS_GROUP
  }

  @ParameterizedTest
  @EnumSource(Recipient.class)
  void quickstart_sigintWhileTraining_exitsPromptlyAndStopsEveryService(Recipient recipient)
      throws Exception {
    Path data = RealData.dataDir(RealData.MNIST);
    Path workdir = work.resolve("quickstart");
    Path logDir =
        Files.createDirectories(
            HostTool.sourceRoot()
                .resolve("integration-tests")
                .resolve("target")
                .resolve("it-logs")
                .resolve(QuickstartInterruptIT.class.getSimpleName())
                .resolve(recipient.name()));
    output = logDir.resolve("quickstart.out");
    quickstart =
        new ProcessBuilder(
                Stream.concat(
                        // Its own process group (setsid execs in place, so the group id is its
                        // pid), which its services join. A shell that starts a build in the
                        // background (`cmd &`) ignores SIGINT in it, and every process below
                        // inherits that; a terminal's Ctrl-C reaches a quickstart whose SIGINT has
                        // its default action, so the test restores it.
                        Stream.of("setsid", "env", "--default-signal=INT"),
                        // more epochs than the test lets it finish: the signal comes while it
                        // trains
                        QuickstartIT.latentserve(
                            "quickstart",
                            "--epochs",
                            "50",
                            "--workdir",
                            workdir.toString(),
                            "--data-dir",
                            data.toString())
                            .stream())
                    .toList())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();

    try {
      Poll.until(
          STARTED,
          "the quickstart to report training steps on its three services",
          () -> {
            if (!quickstart.isAlive()) {
              throw new AssertionError("the quickstart exited with " + quickstart.exitValue());
            }
            String printed = printed();
            return printed.contains(" serving (logs in ") && TRAINING.matcher(printed).find();
          });
      services = quickstart.descendants().toList();
      assertThat(services)
          .as("the quickstart's descendants: its three services")
          .hasSize(3)
          .allMatch(ProcessHandle::isAlive);

      long signalled = System.nanoTime();
      int kill =
          HostTool.run(
              new ProcessBuilder(
                  "kill",
                  "-INT",
                  "--",
                  (recipient == Recipient.PROCESS_GROUP ? "-" : "") + quickstart.pid()),
              logDir.resolve("kill.out"),
              10);
      assertThat(kill).as("exit code of kill -INT").isZero();
      boolean exited = quickstart.waitFor(PROMPT_EXIT.toMillis(), TimeUnit.MILLISECONDS);
      Duration exitTime = Duration.ofNanos(System.nanoTime() - signalled);

      assertThat(exited).as("the quickstart exited within %s of SIGINT", PROMPT_EXIT).isTrue();
      System.out.println("quickstart exited " + exitTime.toMillis() + " ms after SIGINT");
      assertThat(quickstart.exitValue()).as("exit status").isEqualTo(SIGINT_EXIT_STATUS);
      assertThat(services)
          .as("services still running after the quickstart exited")
          .noneMatch(ProcessHandle::isAlive);
      QuickstartLogs.assertEveryServiceStoppedCleanly(workdir);
      assertThat(printed()).contains("quickstart interrupted: services stopped");
      if (recipient == Recipient.QUICKSTART) {
        // the trainer was still up when the hook ran
        assertThat(printed()).containsPattern("interrupted: cancelled job \\S+");
      }
    } catch (AssertionError e) {
      throw QuickstartLogs.failure(e.getMessage(), e, output, workdir);
    }

    Path rerunOutput = logDir.resolve("rerun.out");
    rerun =
        new ProcessBuilder(QuickstartIT.smallQuickstart(workdir, data))
            .redirectErrorStream(true)
            .redirectOutput(rerunOutput.toFile())
            .start();
    try {
      assertThat(rerun.waitFor(RERUN_LIMIT.toMillis(), TimeUnit.MILLISECONDS))
          .as("the second quickstart finished within %s", RERUN_LIMIT)
          .isTrue();
      String printed = Files.readString(rerunOutput, StandardCharsets.UTF_8);
      assertThat(rerun.exitValue()).as("exit code of the second quickstart").isZero();
      assertThat(printed)
          .contains("succeeded: published quickstart-vae/")
          .contains("services stopped");
    } catch (AssertionError e) {
      throw QuickstartLogs.failure(e.getMessage(), e, rerunOutput, workdir);
    }
  }

  private String printed() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
