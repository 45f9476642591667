package io.latentserve.evaluator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.datasets.IdxImages;
import io.latentserve.datasets.IdxWriter;
import io.latentserve.inference.app.InferenceConfig;
import io.latentserve.inference.app.InferenceServer;
import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.LogPartition;
import io.latentserve.model.RbmPartition;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.proto.v1.DatasetSplit;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.GetEvaluationRequest;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Prior;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator process as {@link EvaluatorMain} wires it, on loopback ports, evaluating a
 * catalogued split through two real inference replicas.
 */
class EvaluatorEndToEndTest {
  @TempDir Path dir;
  private final List<InferenceServer> replicas = new ArrayList<>();
  private EvaluatorServer evaluator;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (evaluator != null) {
      evaluator.shutdown();
    }
    replicas.forEach(InferenceServer::shutdown);
  }

  /** mnist-10k with strokes: image i has rows i mod 20 .. +8 lit at intensity 0.9. */
  private static void writeData(Path data) throws IOException {
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

  @Test
  void evaluate_catalogueSplitThroughTwoReplicas_reportStoredAndCounted() throws Exception {
    Path repository = dir.resolve("models");
    Path data = dir.resolve("data");
    writeData(data);
    VaeArchitecture architecture =
        new VaeArchitecture(
            784,
            List.of(
                new StochasticLayer("z1", 8, List.of(32)),
                new StochasticLayer("z2", 4, List.of(8))),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    VaeBundles.publish(
        new FileSystemModelRepository(repository),
        "digits",
        VaeWeights.random(architecture, 5),
        new Provenance(
            "{}", "mnist-10k", 5, 0, Map.of(), "test", Instant.parse("2026-01-01T00:00:00Z")));
    StringBuilder target = new StringBuilder();
    for (int i = 0; i < 2; i++) {
      InferenceServer server =
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
      replicas.add(server);
      target.append(i == 0 ? "" : ",").append("127.0.0.1:").append(server.port());
    }
    evaluator =
        EvaluatorServer.create(
                EvaluatorConfig.builder()
                    .port(0)
                    .metricsPort(0)
                    .inferenceTarget(target.toString())
                    .reportsDir(dir.resolve("reports"))
                    .dataDir(data)
                    .maxRowsPerCall(16)
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build())
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", evaluator.port()).usePlaintext().build();
    EvaluatorGrpc.EvaluatorBlockingStub stub =
        EvaluatorGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);

    // The replicas load their repository in the background: a request may meet UNAVAILABLE until
    // then, which the client retries; wait for READY through the health of each replica instead.
    for (InferenceServer server : replicas) {
      awaitServing(server.port());
    }
    List<EvaluateEvent> events = new ArrayList<>();
    stub.evaluate(
            EvaluateRequest.newBuilder()
                .setModel(ModelRef.newBuilder().setName("digits"))
                .setDataset(
                    DatasetSplit.newBuilder()
                        .setName("mnist-10k")
                        .setSplit("test")
                        .setLimit(48)
                        .setBinarizationSeed(1))
                .setK(100)
                .setSeed(3)
                .build())
        .forEachRemaining(events::add);

    EvaluationReport report = events.get(events.size() - 1).getReport();
    assertThat(report.getData()).isEqualTo("mnist-10k/test[:48]");
    assertThat(report.getExamples()).isEqualTo(48);
    assertThat(report.getModel().getLikelihood()).isEqualTo(Likelihood.LIKELIHOOD_BERNOULLI);
    assertThat(report.getIwll().getValue()).isGreaterThan(report.getElbo().getValue());
    assertThat(Path.of(report.getHtmlPath())).exists();
    assertThat(
            Files.list(Path.of(report.getHtmlPath()).getParent())
                .filter(p -> p.toString().endsWith(".png")))
        .hasSize(5);
    assertThat(
            stub.getEvaluation(
                    GetEvaluationRequest.newBuilder()
                        .setEvaluationId(report.getEvaluationId())
                        .build())
                .getReport())
        .isEqualTo(report);
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + evaluator.metricsPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .contains("latentserve_evaluations_total{state=\"succeeded\"} 1.0")
        .contains("latentserve_evaluation_examples_total 48.0")
        .containsPattern(
            "latentserve_inference_calls_total\\{method=\"ImportanceWeights\",status=\"OK\"\\} [1-9]");
  }

  /**
   * A sigmoid belief net (784 pixels, 20 Bernoulli latents, a learned prior) evaluated over gRPC
   * exactly as a Gaussian model is, with k = 5000: the report names the family and the prior, and
   * every metric comes back.
   */
  @Test
  void evaluate_bernoulliLatentsK5000_reportNamesFamilyAndPriorWithEveryMetric() throws Exception {
    Path repository = dir.resolve("models");
    Path data = dir.resolve("data");
    writeData(data);
    VaeBundles.publish(
        new FileSystemModelRepository(repository),
        "sbn",
        VaeWeights.random(VaeArchitecture.sigmoidBeliefNet(784, 20), 5),
        new Provenance(
            "{}", "mnist-10k", 5, 0, Map.of(), "test", Instant.parse("2026-01-01T00:00:00Z")));
    InferenceServer server =
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
    replicas.add(server);
    evaluator =
        EvaluatorServer.create(
                EvaluatorConfig.builder()
                    .port(0)
                    .metricsPort(0)
                    .inferenceTarget("127.0.0.1:" + server.port())
                    .reportsDir(dir.resolve("reports"))
                    .dataDir(data)
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build())
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", evaluator.port()).usePlaintext().build();
    awaitServing(server.port());
    List<EvaluateEvent> events = new ArrayList<>();
    EvaluatorGrpc.newBlockingStub(channel)
        .withDeadlineAfter(120, TimeUnit.SECONDS)
        .evaluate(
            EvaluateRequest.newBuilder()
                .setModel(ModelRef.newBuilder().setName("sbn"))
                .setDataset(
                    DatasetSplit.newBuilder()
                        .setName("mnist-10k")
                        .setSplit("test")
                        .setLimit(16)
                        .setBinarizationSeed(1))
                .setK(5000)
                .setSeed(3)
                .build())
        .forEachRemaining(events::add);

    EvaluationReport report = events.get(events.size() - 1).getReport();
    assertThat(report.getModel().getLatentLayersList())
        .extracting(l -> l.getName() + ":" + l.getFamily())
        .containsExactly("z1:" + LatentFamily.LATENT_FAMILY_BERNOULLI);
    assertThat(report.getModel().getPrior()).isEqualTo(Prior.PRIOR_LEARNED);
    assertThat(report.getK()).isEqualTo(5000);
    assertThat(report.getIwllCurveList()).hasSize(5);
    assertThat(report.getIwll().getValue()).isGreaterThan(report.getElbo().getValue());
    assertThat(report.getLayers(0).getRate().getValue()).isPositive();
    assertThat(report.getLayers(0).getActiveUnits()).isBetween(0, 20);
    assertThat(report.getLayers(0).getActivityCount()).isEqualTo(20);
    assertThat(report.getMutualInformation().getAggregate()).isFinite();
    assertThat(report.getMmdSamples()).isPositive();
    assertThat(
            Files.list(Path.of(report.getHtmlPath()).getParent())
                .filter(p -> p.toString().endsWith(".png")))
        .hasSize(5);
  }

  /**
   * A binary model with an RBM prior (10 + 10 units, log Z given an error bar of 0.5 nats)
   * evaluated with k left at 0: the report runs the DVAE# protocol's k = 4000, states log Z and its
   * error beside the IW-LL, and its total error combines the examples' with log Z's in full.
   */
  @Test
  void evaluate_rbmPriorDefaultK_reportsLogZAndTheTotalError() throws Exception {
    Path repository = dir.resolve("models");
    Path data = dir.resolve("data");
    writeData(data);
    VaeWeights random =
        VaeWeights.random(
            VaeArchitecture.sigmoidBeliefNet(784, 20).withPrior(io.latentserve.model.Prior.RBM), 5);
    double exact = RbmPartition.exactLogZ(random.rbm());
    LogPartition logZ = new LogPartition(exact, 0.5, LogPartition.AIS, 1000, 1024, 1);
    VaeBundles.publish(
        new FileSystemModelRepository(repository),
        "dvae",
        random.withLogPartition(logZ),
        new Provenance(
            "{}", "mnist-10k", 5, 0, Map.of(), "test", Instant.parse("2026-01-01T00:00:00Z")));
    InferenceServer server =
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
    replicas.add(server);
    evaluator =
        EvaluatorServer.create(
                EvaluatorConfig.builder()
                    .port(0)
                    .metricsPort(0)
                    .inferenceTarget("127.0.0.1:" + server.port())
                    .reportsDir(dir.resolve("reports"))
                    .dataDir(data)
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build())
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", evaluator.port()).usePlaintext().build();
    awaitServing(server.port());
    List<EvaluateEvent> events = new ArrayList<>();
    EvaluatorGrpc.newBlockingStub(channel)
        .withDeadlineAfter(120, TimeUnit.SECONDS)
        .evaluate(
            EvaluateRequest.newBuilder()
                .setModel(ModelRef.newBuilder().setName("dvae"))
                .setDataset(
                    DatasetSplit.newBuilder()
                        .setName("mnist-10k")
                        .setSplit("test")
                        .setLimit(16)
                        .setBinarizationSeed(1))
                .setSeed(3)
                .build())
        .forEachRemaining(events::add);

    EvaluationReport report = events.get(events.size() - 1).getReport();
    assertThat(report.getModel().getPrior()).isEqualTo(Prior.PRIOR_RBM);
    assertThat(report.getModel().getRbmPrior().getLogZ()).isEqualTo(exact);
    assertThat(report.getK()).isEqualTo(4000);
    assertThat(report.getLogZ()).isEqualTo(exact);
    assertThat(report.getLogZStandardError()).isEqualTo(0.5);
    double sampling = report.getIwll().getStandardError();
    assertThat(sampling).isPositive();
    assertThat(report.getIwllTotalStandardError())
        .isCloseTo(Math.sqrt(sampling * sampling + 0.25), within(1e-12));
    assertThat(report.getIwll().getValue()).isGreaterThan(report.getElbo().getValue());
    // Monte Carlo KL against the RBM (no closed form): finite and, for these weights, positive.
    assertThat(report.getLayers(0).getRate().getValue()).isFinite().isPositive();
    assertThat(report.getLayers(0).getActiveUnits()).isBetween(0, 20);
    assertThat(report.getMmdSamples()).isPositive();
    assertThat(Files.readString(Path.of(report.getHtmlPath()))).contains("log Z of the rbm prior");
  }

  private static void awaitServing(int port) {
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    io.grpc.Context.CancellableContext watch = io.grpc.Context.current().withCancellation();
    try {
      watch.run(
          () -> {
            var updates =
                io.grpc.health.v1.HealthGrpc.newBlockingStub(c)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .watch(
                        io.grpc.health.v1.HealthCheckRequest.newBuilder().setService("").build());
            while (updates.next().getStatus()
                != io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING) {
              // the next update
            }
          });
    } finally {
      watch.cancel(null);
      c.shutdownNow();
    }
  }
}
