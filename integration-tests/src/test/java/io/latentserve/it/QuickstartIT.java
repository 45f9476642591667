package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.cli.LatentserveCli;
import io.latentserve.evaluator.report.ReportWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code latentserve quickstart} as a user runs it: its own JVM on this classpath, which starts the
 * three services as its child processes, trains, evaluates, writes the report and stops them all.
 */
class QuickstartIT {
  private static final Duration LIMIT = Duration.ofSeconds(85);
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  @TempDir Path work;

  /** The quickstart's child processes, by pid, as seen while it ran. */
  private final Map<Long, ProcessHandle> children = new LinkedHashMap<>();

  private Process quickstart;
  private Path output;

  @AfterEach
  void killLeftovers() {
    if (quickstart != null && quickstart.isAlive()) {
      quickstart.destroyForcibly();
    }
    children.values().stream()
        .filter(ProcessHandle::isAlive)
        .forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void quickstart_smallSettings_trainsEvaluatesReportsAndStopsEveryService() throws Exception {
    Path data = RealData.dataDir(RealData.MNIST);
    Path workdir = work.resolve("quickstart");
    output = Files.createDirectories(logDir()).resolve("quickstart.out");
    List<String> command = smallQuickstart(workdir, data);
    quickstart =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();

    long deadline = System.nanoTime() + LIMIT.toNanos();
    // polls for exit, noting the children (the services) while they run
    while (!quickstart.waitFor(100, TimeUnit.MILLISECONDS)) {
      quickstart.children().forEach(child -> children.putIfAbsent(child.pid(), child));
      if (System.nanoTime() - deadline > 0) {
        throw QuickstartLogs.failure(
            "quickstart did not finish within " + LIMIT, null, output, workdir);
      }
    }

    try {
      String printed = Files.readString(output, StandardCharsets.UTF_8);
      assertThat(quickstart.exitValue()).as("exit code").isZero();
      assertThat(printed)
          .contains("[1/6] dataset mnist-10k")
          .contains("succeeded: published quickstart-vae/1")
          .contains("train_iwae_k5")
          .contains("quickstart-vae/1 on mnist-10k/test[:50], 50 examples, k=20, seed 1")
          .contains("log p(x) (IW-LL, k=20)")
          .contains("[6/6] stop")
          .contains("services stopped");

      Matcher report = Pattern.compile("report: (\\S+index\\.html)").matcher(printed);
      assertThat(report.find()).as("the summary names the report page").isTrue();
      Path page = Path.of(report.group(1));
      assertThat(page).isRegularFile().startsWith(workdir.resolve("reports"));
      assertThat(page.resolveSibling("report.json")).isRegularFile();
      String html = Files.readString(page, StandardCharsets.UTF_8);
      for (String plot :
          List.of(
              ReportWriter.PRIOR_SAMPLES,
              ReportWriter.RECONSTRUCTIONS,
              ReportWriter.IWLL_CURVE,
              ReportWriter.RATES,
              ReportWriter.ESS_HISTOGRAM)) {
        Path png = page.resolveSibling(plot);
        assertThat(png).as(plot).isRegularFile();
        assertThat(signature(png)).as(plot + " starts like a PNG").isEqualTo(PNG_SIGNATURE);
        assertThat(html).contains(plot);
      }

      assertThat(children.values())
          .as("the services the quickstart started")
          .hasSizeGreaterThanOrEqualTo(3)
          .noneMatch(ProcessHandle::isAlive);
      QuickstartLogs.assertEveryServiceStoppedCleanly(workdir);
    } catch (AssertionError e) {
      throw QuickstartLogs.failure(e.getMessage(), e, output, workdir);
    }
  }

  private static byte[] signature(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(PNG_SIGNATURE.length);
    }
  }

  private static Path logDir() {
    return HostTool.sourceRoot()
        .resolve("integration-tests")
        .resolve("target")
        .resolve("it-logs")
        .resolve(QuickstartIT.class.getSimpleName());
  }

  /** {@code latentserve ARGS} in a JVM on this test's classpath. */
  static List<String> latentserve(String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LatentserveCli.class.getName());
    command.addAll(List.of(args));
    return command;
  }

  /** A quickstart small enough for CI: one epoch, then IW-LL with k=20 on 50 test images. */
  static List<String> smallQuickstart(Path workdir, Path data) {
    return latentserve(
        "quickstart",
        "--epochs",
        "1",
        "--eval-k",
        "20",
        "--eval-examples",
        "50",
        "--workdir",
        workdir.toString(),
        "--data-dir",
        data.toString());
  }
}
