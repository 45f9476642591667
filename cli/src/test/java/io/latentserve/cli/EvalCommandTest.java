package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.IdxImages;
import io.latentserve.datasets.IdxWriter;
import io.latentserve.evaluator.app.EvaluatorConfig;
import io.latentserve.evaluator.app.EvaluatorServer;
import io.latentserve.inference.app.InferenceConfig;
import io.latentserve.inference.app.InferenceServer;
import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.proto.v1.Estimate;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.GetEvaluationRequest;
import io.latentserve.proto.v1.IwllPoint;
import io.latentserve.proto.v1.LayerReport;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.MutualInformation;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code latentserve eval} against a real evaluator-service and a real inference-service, both in
 * this JVM on loopback ports, evaluating a small Bernoulli model on a synthetic {@code mnist-10k}
 * test split.
 */
class EvalCommandTest {
  private static final String MODEL = "digits";

  @TempDir static Path dir;
  private static InferenceServer inference;
  private static EvaluatorServer evaluator;
  private static String evaluatorTarget;

  /** What one run of the command printed, and its exit code. */
  private record Run(int exitCode, String out, String err) {}

  @BeforeAll
  static void startServices() throws IOException {
    Path repository = dir.resolve("models");
    VaeBundles.publish(
        new FileSystemModelRepository(repository),
        MODEL,
        VaeWeights.random(
            new VaeArchitecture(
                784,
                List.of(new StochasticLayer("z1", 4, List.of(16))),
                Activation.TANH,
                LikelihoodFamily.BERNOULLI,
                0),
            5),
        new Provenance(
            "{}", "mnist-10k", 5, 0, Map.of(), "test", Instant.parse("2026-01-01T00:00:00Z")));
    Path data = dir.resolve("data");
    writeDataset(data);
    inference =
        InferenceServer.create(
                InferenceConfig.builder()
                    .port(0)
                    .metricsPort(0)
                    .modelRepository(repository)
                    .device("cpu")
                    .intraOpThreads(1)
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build())
            .start();
    awaitServing(inference.port());
    evaluator =
        EvaluatorServer.create(
                EvaluatorConfig.builder()
                    .port(0)
                    .metricsPort(0)
                    .inferenceTarget("127.0.0.1:" + inference.port())
                    .reportsDir(dir.resolve("reports"))
                    .dataDir(data)
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build())
            .start();
    evaluatorTarget = "127.0.0.1:" + evaluator.port();
  }

  @AfterAll
  static void stopServices() {
    if (evaluator != null) {
      evaluator.shutdown();
    }
    if (inference != null) {
      inference.shutdown();
    }
  }

  /**
   * mnist-10k as the catalogue expects it (both splits, 8,000 and 2,000 images): image i has a bar
   * at rows 2 + i mod 18 .. +8.
   */
  private static void writeDataset(Path data) throws IOException {
    Path d = Files.createDirectories(data.resolve("mnist-10k"));
    for (String[] split : new String[][] {{"train", "8000"}, {"test", "2000"}}) {
      int n = Integer.parseInt(split[1]);
      byte[] pixels = new byte[n * 784];
      for (int i = 0; i < n; i++) {
        int top = 2 + i % 18;
        for (int r = top; r < top + 8; r++) {
          for (int c = 6 + i % 5; c < 22 - i % 3; c++) {
            pixels[i * 784 + r * 28 + c] = (byte) 230;
          }
        }
      }
      IdxWriter.writeImages(
          d.resolve(split[0] + "-images-idx3-ubyte"), new IdxImages(n, 28, 28, pixels));
      IdxWriter.writeLabels(d.resolve(split[0] + "-labels-idx1-ubyte"), new int[n]);
    }
  }

  /** Blocks until the replica's health says SERVING, following its Watch stream. */
  private static void awaitServing(int port) {
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    Context.CancellableContext watch = Context.current().withCancellation();
    try {
      watch.run(
          () -> {
            Iterator<HealthCheckResponse> updates =
                HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .watch(HealthCheckRequest.newBuilder().setService("").build());
            while (updates.next().getStatus() != ServingStatus.SERVING) {
              // the next update
            }
          });
    } finally {
      watch.cancel(null);
      channel.shutdownNow();
    }
  }

  /** {@code latentserve eval ARGS...}, as the user types it. */
  private static Run eval(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = LatentserveCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 1];
    all[0] = "eval";
    System.arraycopy(args, 0, all, 1, args.length);
    int exitCode = cli.execute(all);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static EvaluationReport storedReport(String evaluationId) {
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(evaluatorTarget).usePlaintext().build();
    try {
      return EvaluatorGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .getEvaluation(GetEvaluationRequest.newBuilder().setEvaluationId(evaluationId).build())
          .getReport();
    } finally {
      channel.shutdownNow();
    }
  }

  private static String row(String name, Estimate e) {
    return String.format(
        Locale.ROOT, "  %-34s %10.3f +- %.3f nats", name, e.getValue(), e.getStandardError());
  }

  @Test
  void call_servedModelAndDataset_printsProgressThenSummaryOfTheStoredReport() {
    Run run =
        eval(
            "--model", MODEL,
            "--limit", "24",
            "--k", "50",
            "--seed", "3",
            "--label", "cli test",
            "--evaluator", evaluatorTarget,
            "--timeout", "PT60S");

    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(run.err()).isEmpty();
    // The progress bar went through the phases to the end of each.
    assertThat(run.out())
        .contains("importance-weights     [")
        .contains("posterior-statistics   [")
        .contains("] 100.0% 24/24 ");
    Matcher header =
        Pattern.compile(
                "evaluation (eval-[a-z0-9-]+): digits/1 on mnist-10k/test\\[:24\\], 24 examples,"
                    + " k=50, seed 3")
            .matcher(run.out());
    assertThat(header.find()).as("summary header in:%n%s", run.out()).isTrue();

    // Every row shows the stored report's own numbers.
    EvaluationReport r = storedReport(header.group(1));
    assertThat(r.getLabel()).isEqualTo("cli test");
    assertThat(r.getMetricsCount()).isEqualTo(6);
    List<String> lines = run.out().lines().toList();
    assertThat(lines)
        .contains(
            row("log p(x) (IW-LL, k=50)", r.getIwll()),
            row("ELBO", r.getElbo()),
            row("distortion E[-log p(x|z)]", r.getDistortion()),
            row("rate KL(q||p), all layers", r.getTotalRate()));
    assertThat(r.getIwllCurveList()).extracting(IwllPoint::getK).containsExactly(1, 5, 50);
    for (IwllPoint p : r.getIwllCurveList()) {
      assertThat(lines).contains(row("  IW-LL at k=" + p.getK(), p.getLogLikelihood()));
    }
    assertThat(r.getMutualInformation().getMinibatchSize()).isEqualTo(24);
    LayerReport layer = r.getLayers(0);
    // One layer: its rate is the total rate, shown once (the ELBO's estimate), not twice.
    assertThat(lines).noneMatch(line -> line.startsWith("    rate z1"));
    assertThat(lines)
        .contains(
            String.format(
                Locale.ROOT,
                "  %-34s %d of %d",
                "active units z1",
                layer.getActiveUnits(),
                layer.getDim()),
            String.format(
                Locale.ROOT,
                "  %-34s %10.3f nats (ceiling log N = %.3f)",
                "I(x;z) aggregate posterior",
                r.getMutualInformation().getAggregate(),
                r.getMutualInformation().getAggregateCeiling()),
            String.format(
                Locale.ROOT,
                "  %-34s %10.3f nats (batch %d)",
                "I(x;z) minibatch",
                r.getMutualInformation().getMinibatch(),
                r.getMutualInformation().getMinibatchSize()),
            String.format(Locale.ROOT, "  %-34s %10.4f", "MMD^2(q(z), p(z))", r.getMmd()),
            String.format(
                Locale.ROOT,
                "  %-34s %10.2f",
                "mean effective sample size",
                r.getMeanEffectiveSampleSize()));
    assertThat(lines).anyMatch(l -> l.startsWith(String.format("  %-34s ", "wall time")));
    // The report's path, where the HTML page and the JSON were written.
    assertThat(lines)
        .containsSubsequence("report: " + r.getHtmlPath(), "        " + r.getJsonPath());
    assertThat(Path.of(r.getHtmlPath())).exists();
    assertThat(Path.of(r.getJsonPath())).exists();
  }

  @Test
  void call_unknownModel_printsNotFoundFromInferenceAndExitsThree() {
    Run run = eval("--model", "nope", "--limit", "4", "--k", "5", "--evaluator", evaluatorTarget);

    assertThat(run.exitCode()).isEqualTo(3);
    // The inference-service's own words, passed through by the evaluator: no stack trace.
    assertThat(run.err())
        .isEqualTo(
            "latentserve: NOT_FOUND: model \"nope\" is not in the repository; served models: digits [1]"
                + System.lineSeparator());
    assertThat(run.out()).doesNotContain("report:");
  }

  @Test
  void call_kAboveLimit_printsInvalidArgumentNamingTheLimitAndExitsThree() {
    Run run = eval("--model", MODEL, "--k", "5001", "--evaluator", evaluatorTarget);

    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.err())
        .isEqualTo(
            "latentserve: INVALID_ARGUMENT: k must be in [1, 5000] (0 for the model's default), got 5001"
                + System.lineSeparator());
  }

  @Test
  void call_unknownDataset_printsNotFoundListingTheCatalogueAndExitsThree() {
    Run run =
        eval("--model", MODEL, "--dataset", "nope", "--k", "5", "--evaluator", evaluatorTarget);

    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.err())
        .isEqualTo(
            "latentserve: NOT_FOUND: dataset \"nope\" is not in the catalogue; known datasets: "
                + String.join(", ", DatasetCatalog.names())
                + System.lineSeparator());
  }

  @Test
  void call_unknownMetricName_printsUsageErrorAndExitsTwo() {
    Run run =
        eval("--model", MODEL, "--metrics", "iwll,perplexity", "--evaluator", evaluatorTarget);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("Invalid value for option '--metrics'")
        .contains("perplexity")
        .contains("iwll, elbo, rates, active_units, mi, mmd");
  }

  @Test
  void call_evaluatorUnreachable_printsUnavailableAndExitsThree() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    Run run = eval("--model", MODEL, "--evaluator", "127.0.0.1:" + port, "--timeout", "PT10S");

    // Exit 3 and gRPC's status, naming the service and the address it could not reach.
    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.err())
        .startsWith(
            "latentserve: UNAVAILABLE: cannot reach evaluator-service at 127.0.0.1:" + port + " (");
    assertThat(run.out()).doesNotContain("evaluation ");
  }

  @Test
  void printSummary_someMetrics_printsRowsOfTheComputedMetricsOnly() {
    EvaluationReport report =
        EvaluationReport.newBuilder()
            .setEvaluationId("eval-2")
            .setModel(ModelInfo.newBuilder().setName("vae").setVersion(1))
            .setData("mnist-10k/test")
            .setExamples(2000)
            .setK(1)
            .setSeed(1)
            .addAllMetrics(List.of(Metric.METRIC_RATES))
            .addLayers(
                LayerReport.newBuilder().setLayer("z1").setDim(50).setRate(estimate(6.5, 0.1)))
            .setWallTime(com.google.protobuf.Duration.newBuilder().setSeconds(2))
            .setExamplesPerSecond(1000)
            .setHtmlPath("/reports/eval-2/index.html")
            .setJsonPath("/reports/eval-2/report.json")
            .build();
    StringWriter out = new StringWriter();

    EvalCommand.printSummary(new PrintWriter(out), report);

    assertThat(out.toString().lines())
        .containsExactly(
            "",
            "evaluation eval-2: vae/1 on mnist-10k/test, 2000 examples, k=1, seed 1",
            "    rate z1                               6.500 +- 0.100 nats",
            "  wall time                                 2.0 s (1000.0 examples/s)",
            "",
            "report: /reports/eval-2/index.html",
            "        /reports/eval-2/report.json");
  }

  @Test
  void printSummary_conditionalReport_printsEveryMetricRowAndTheReportPaths() {
    EvaluationReport report =
        EvaluationReport.newBuilder()
            .setEvaluationId("eval-1")
            .setModel(ModelInfo.newBuilder().setName("cvae").setVersion(2))
            .setData("mnist-10k/test[:100]")
            .setExamples(100)
            .setK(5000)
            .setSeed(7)
            .setCondition("one-hot labels of mnist-10k/test (10 classes)")
            .addAllMetrics(
                List.of(
                    Metric.METRIC_IWLL,
                    Metric.METRIC_ELBO,
                    Metric.METRIC_RATES,
                    Metric.METRIC_ACTIVE_UNITS,
                    Metric.METRIC_MUTUAL_INFORMATION,
                    Metric.METRIC_MMD))
            .setIwll(estimate(-85.5432, 0.8765))
            .addIwllCurve(IwllPoint.newBuilder().setK(1).setLogLikelihood(estimate(-90.1, 0.9)))
            .addIwllCurve(
                IwllPoint.newBuilder().setK(5000).setLogLikelihood(estimate(-85.5432, 0.8765)))
            .setElbo(estimate(-90.0, 0.9))
            .setDistortion(estimate(80.25, 0.5))
            .setTotalRate(estimate(9.75, 0.125))
            .addLayers(
                LayerReport.newBuilder()
                    .setLayer("z1")
                    .setDim(50)
                    .setRate(estimate(6.5, 0.1))
                    .setActiveUnits(20))
            .addLayers(
                LayerReport.newBuilder()
                    .setLayer("z2")
                    .setDim(10)
                    .setRate(estimate(3.25, 0.05))
                    .setActiveUnits(4))
            .setMutualInformation(
                MutualInformation.newBuilder()
                    .setAggregate(4.2)
                    .setAggregateCeiling(Math.log(100))
                    .setMinibatch(3.9)
                    .setMinibatchSize(64))
            .setMmd(0.01234)
            .setMeanEffectiveSampleSize(123.456)
            .setWallTime(
                com.google.protobuf.Duration.newBuilder().setSeconds(12).setNanos(345_000_000))
            .setExamplesPerSecond(8.1)
            .setHtmlPath("/reports/eval-1/index.html")
            .setJsonPath("/reports/eval-1/report.json")
            .build();
    StringWriter out = new StringWriter();

    EvalCommand.printSummary(new PrintWriter(out), report);

    assertThat(out.toString().lines())
        .containsExactly(
            "",
            "evaluation eval-1: cvae/2 on mnist-10k/test[:100], 100 examples, k=5000, seed 7",
            "  conditioned on one-hot labels of mnist-10k/test (10 classes)",
            "  log p(x|y) (IW-LL, k=5000)            -85.543 +- 0.877 nats",
            "    IW-LL at k=1                        -90.100 +- 0.900 nats",
            "    IW-LL at k=5000                     -85.543 +- 0.877 nats",
            "  ELBO                                  -90.000 +- 0.900 nats",
            "  distortion E[-log p(x|z)]              80.250 +- 0.500 nats",
            "  rate KL(q||p), all layers               9.750 +- 0.125 nats",
            "    rate z1                               6.500 +- 0.100 nats",
            "  active units z1                    20 of 50",
            "    rate z2                               3.250 +- 0.050 nats",
            "  active units z2                    4 of 10",
            "  I(x;z) aggregate posterior              4.200 nats (ceiling log N = 4.605)",
            "  I(x;z) minibatch                        3.900 nats (batch 64)",
            "  MMD^2(q(z), p(z))                      0.0123",
            "  mean effective sample size             123.46",
            "  wall time                                12.3 s (8.1 examples/s)",
            "",
            "report: /reports/eval-1/index.html",
            "        /reports/eval-1/report.json");
  }

  private static Estimate estimate(double value, double standardError) {
    return Estimate.newBuilder().setValue(value).setStandardError(standardError).build();
  }
}
