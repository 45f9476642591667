package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.datasets.DatasetCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README.md's "Step by step", walked as a newcomer walks it: every command of its code blocks, in
 * order, in one fresh folder, as real processes ({@code cmd &} in the background, waited for by
 * health, never by sleeps). A command the walk cannot run, or one that fails, fails the test, so
 * the README's commands cannot drift from what works.
 *
 * <p>What differs from a terminal, and why: the fixed ports become free loopback ports (a CI
 * machine may have them taken), and the client commands' default targets follow them through {@code
 * LATENTSERVE_TRAINER_TARGET}, {@code LATENTSERVE_EVALUATOR_TARGET} and {@code
 * LATENTSERVE_INFERENCE_TARGET}; mnist-10k is copied from the shared data rather than downloaded
 * (so {@code data fetch} finds it present); {@code train --epochs 10} trains 1 epoch and {@code
 * eval --k 5000} evaluates 20 images with k=50, to fit CI's time. Everything else runs as written.
 */
class ReadmeWalkIT {
  private static final Duration COMMAND_LIMIT = Duration.ofMinutes(10);
  private static final Duration SERVING = Duration.ofMinutes(3);
  private static final Pattern PORT = Pattern.compile("\\b(50051|50052|50053|9464|9465|9466)\\b");

  @TempDir Path dir;

  private final List<Process> background = new ArrayList<>();
  private final Map<String, String> ports = new HashMap<>();
  private Path logDir;

  @AfterEach
  void stopServices() throws InterruptedException {
    for (Process p : background) {
      p.destroy(); // SIGTERM: a graceful stop
    }
    for (Process p : background) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  /** The commands of README.md's code blocks from "## Step by step" to the next section. */
  static List<String> stepByStepCommands(String readme) {
    int start = readme.indexOf("## Step by step");
    int end = readme.indexOf("\n## ", start + 1);
    assertThat(start).as("README.md has a Step by step section").isNotNegative();
    List<String> commands = new ArrayList<>();
    Matcher block =
        Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme.substring(start, end));
    while (block.find()) {
      String joined = block.group(1).replace("\\\n", " ");
      for (String line : joined.split("\n")) {
        String command = line.replaceFirst("\\s+#\\s.*$", "").trim().replaceAll("\\s+", " ");
        if (!command.isEmpty()) {
          commands.add(command);
        }
      }
    }
    return commands;
  }

  @Test
  void readme_stepByStep_everyCommandWorksInOrder() throws Exception {
    logDir =
        Files.createDirectories(
            HostTool.sourceRoot()
                .resolve("integration-tests")
                .resolve("target")
                .resolve("it-logs")
                .resolve(ReadmeWalkIT.class.getSimpleName()));
    copyDataset(RealData.dataDir(RealData.MNIST), dir.resolve("data"), RealData.MNIST);
    for (String fixed : List.of("50051", "50052", "50053", "9464", "9465", "9466")) {
      ports.put(fixed, Integer.toString(ServiceProcess.freePort()));
    }
    List<String> commands =
        stepByStepCommands(
            Files.readString(HostTool.sourceRoot().resolve("README.md"), StandardCharsets.UTF_8));
    assertThat(commands).as("README's step-by-step commands").hasSizeGreaterThanOrEqualTo(10);

    Map<String, String> printed = new LinkedHashMap<>();
    int n = 0;
    for (String written : commands) {
      n++;
      String command = adapt(written);
      if (command.startsWith("curl ")) {
        Matcher url =
            Pattern.compile("curl -s (localhost:\\d+/metrics) \\| grep (\\S+)").matcher(command);
        assertThat(url.matches()).as("a curl the walk knows: %s", written).isTrue();
        String body = get("http://" + url.group(1));
        assertThat(body).as(written).contains(url.group(2));
        continue;
      }
      assertThat(command).as("a latentserve command: %s", written).startsWith("bin/latentserve ");
      List<String> args =
          new ArrayList<>(List.of(command.substring("bin/latentserve ".length()).split(" ")));
      if (args.get(args.size() - 1).equals("&")) {
        args.remove(args.size() - 1);
        startInBackground(n, written, args);
      } else {
        printed.put(written, runToEnd(n, written, args));
      }
    }

    // What each step shows a newcomer.
    assertThat(find(printed, "bin/latentserve data fetch"))
        .isEqualTo("      mnist-10k already present in data/mnist-10k\n");
    assertThat(find(printed, "bin/latentserve models"))
        .containsPattern("demo +1 latest ")
        .contains("BERNOULLI")
        .doesNotContain("LIKELIHOOD_");
    assertThat(find(printed, "bin/latentserve train")).contains("succeeded: published mnist-iwae/");
    assertThat(find(printed, "bin/latentserve jobs"))
        .contains("SUCCEEDED")
        .doesNotContain("JOB_STATE_");
    assertThat(find(printed, "bin/latentserve eval"))
        .contains("log p(x) (IW-LL, k=50)")
        .contains("report: ");
  }

  private static String find(Map<String, String> printed, String prefix) {
    return printed.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix + " ") || e.getKey().equals(prefix))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("README has no step " + prefix));
  }

  /** The command with free ports, and train and eval sized for CI (see the class comment). */
  private String adapt(String command) {
    Matcher m = PORT.matcher(command);
    StringBuilder adapted = new StringBuilder();
    while (m.find()) {
      String port =
          ports.computeIfAbsent(m.group(1), p -> Integer.toString(ServiceProcess.freePort()));
      m.appendReplacement(adapted, port);
    }
    m.appendTail(adapted);
    String c = adapted.toString();
    if (c.startsWith("bin/latentserve train ")) {
      c = c.replace("--epochs 10", "--epochs 1");
    }
    if (c.startsWith("bin/latentserve eval ")) {
      c = c.replace("--k 5000", "--k 50 --limit 20");
    }
    return c;
  }

  private ProcessBuilder latentserve(List<String> args, Path log) {
    ProcessBuilder builder =
        new ProcessBuilder(QuickstartIT.latentserve(args.toArray(String[]::new)));
    builder.environment().put("LATENTSERVE_INFERENCE_TARGET", "localhost:" + ports.get("50051"));
    builder.environment().put("LATENTSERVE_TRAINER_TARGET", "localhost:" + ports.get("50052"));
    builder.environment().put("LATENTSERVE_EVALUATOR_TARGET", "localhost:" + ports.get("50053"));
    return builder.directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
  }

  private String runToEnd(int n, String written, List<String> args) throws Exception {
    Path log = logDir.resolve(n + "-" + args.get(0) + ".out");
    Process p = latentserve(args, log).start();
    boolean ended = p.waitFor(COMMAND_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(ended)
        .as("%s ended within %s; it printed:%n%s", written, COMMAND_LIMIT, out)
        .isTrue();
    assertThat(p.exitValue()).as("exit code of %s; it printed:%n%s", written, out).isZero();
    return out;
  }

  private void startInBackground(int n, String written, List<String> args) throws Exception {
    int i = args.indexOf("--port");
    assertThat(i).as("a background service with --port: %s", written).isPositive();
    int port = Integer.parseInt(args.get(i + 1));
    Path log = logDir.resolve(n + "-" + String.join("-", args.subList(0, 2)) + ".log");
    Process p = latentserve(args, log).start();
    background.add(p);
    Poll.until(
        SERVING,
        written + " to serve",
        () -> {
          if (!p.isAlive()) {
            throw new AssertionError(written + " exited with " + p.exitValue() + ": " + read(log));
          }
          return serving(port);
        });
  }

  private static boolean serving(int port) {
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus()
          == ServingStatus.SERVING;
    } catch (StatusRuntimeException notYet) {
      return false;
    } finally {
      channel.shutdownNow();
    }
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return response.body();
  }

  private static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static void copyDataset(Path from, Path to, String dataset) throws IOException {
    Path source = new DatasetCatalog(from).directory(dataset);
    Path target = new DatasetCatalog(to).directory(dataset);
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : files.toList()) {
        if (Files.isRegularFile(f)) {
          Files.copy(f, target.resolve(f.getFileName()));
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
