package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.inference.core.ModelLease;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.server.MetricsHttpServer;
import io.latentserve.wire.TensorCodec;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health, hot reload, metrics, shutdown and the real-port entry point. */
class InferenceLifecycleTest {
  private static final String MODEL = "mnist-vae";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path root;
  private FileSystemModelRepository repository;
  private TestServer server;

  @BeforeEach
  void createRepository() {
    repository = new FileSystemModelRepository(root);
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void health_beforeFirstLoadCompletes_notServingAndUnavailable() throws Exception {
    TestBundles.publish(repository, MODEL, 1);
    CountDownLatch gate = new CountDownLatch(1);
    server =
        TestServer.start(
            TestServer.config(root).build(),
            loader ->
                bundle -> {
                  awaitGate(gate);
                  return loader.load(bundle);
                });

    assertThat(server.healthStatus("")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(server.healthStatus(InferenceServer.SERVICE_NAME))
        .isEqualTo(ServingStatus.NOT_SERVING);
    assertThatThrownBy(() -> server.inference().listModels(ListModelsRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("the model repository is still loading");
            });

    gate.countDown();
    server.awaitServing();

    assertThat(server.healthStatus(InferenceServer.SERVICE_NAME)).isEqualTo(ServingStatus.SERVING);
    assertThat(
            server.inference().listModels(ListModelsRequest.getDefaultInstance()).getModelsCount())
        .isEqualTo(1);
  }

  @Test
  void hotReload_newVersionPublished_appearsWithoutRestartAndLatestMoves() {
    TestBundles.publish(repository, MODEL, 1);
    server = TestServer.start(TestServer.config(root).build()).awaitServing();
    assertThat(latestVersion()).isEqualTo(1);

    TestBundles.publish(repository, MODEL, 2);

    TestServer.awaitCondition(WAIT, "version 2 to be served as latest", () -> latestVersion() == 2);
    assertThat(
            server.inference().listModels(ListModelsRequest.getDefaultInstance()).getModelsList())
        .as("the default version policy, latest 1, serves the new version only")
        .extracting(ModelInfo::getVersion)
        .containsExactly(2L);
    assertThat(
            server
                .inference()
                .encode(
                    EncodeRequest.newBuilder()
                        .setModel(TestServer.ref(MODEL, 2))
                        .setX(TensorCodec.encode(TestBundles.binaryImages(1, 5), 1, 784))
                        .build())
                .getModel()
                .getVersion())
        .isEqualTo(2);
  }

  @Test
  void hotReload_versionDeleted_disappearsAndIsNotFound() {
    TestBundles.publish(repository, MODEL, 1);
    TestBundles.publish(repository, MODEL, 2);
    server = TestServer.start(TestServer.config(root).versionPolicy("all").build()).awaitServing();

    repository.delete(MODEL, 1);

    TestServer.awaitCondition(
        WAIT,
        "version 1 to be unloaded",
        () ->
            server
                .inference()
                .listModels(ListModelsRequest.getDefaultInstance())
                .getModelsList()
                .stream()
                .noneMatch(m -> m.getVersion() == 1));
    assertThatThrownBy(
            () ->
                server
                    .inference()
                    .getModel(
                        GetModelRequest.newBuilder().setModel(TestServer.ref(MODEL, 1)).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("model mnist-vae has no version 1; served versions: [2]");
            });
  }

  @Test
  void metrics_afterRequests_scrapeHasRequestCounterBatchHistogramAndDeviceWithModelLabels()
      throws Exception {
    TestBundles.publish(repository, MODEL, 1);
    server = TestServer.start(TestServer.config(root).build()).awaitServing();
    for (int i = 0; i < 3; i++) {
      server
          .inference()
          .encode(
              EncodeRequest.newBuilder()
                  .setModel(TestServer.ref(MODEL, 1))
                  .setX(TensorCodec.encode(TestBundles.binaryImages(2, i), 2, 784))
                  .build());
    }

    // HttpURLConnection rather than java.net.http: the latter spends a second initializing TLS.
    HttpURLConnection http =
        (HttpURLConnection)
            URI.create("http://127.0.0.1:" + server.server.metricsPort() + "/metrics")
                .toURL()
                .openConnection();
    http.setConnectTimeout((int) WAIT.toMillis());
    http.setReadTimeout((int) WAIT.toMillis());
    String body;
    try (InputStream in = http.getInputStream()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      http.disconnect();
    }

    assertThat(http.getResponseCode()).isEqualTo(200);
    assertThat(http.getContentType()).isEqualTo(MetricsHttpServer.CONTENT_TYPE);
    List<String> lines = body.lines().toList();
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("latentserve_requests_total{")
                    .contains("method=\"Encode\"", "model=\"mnist-vae\"", "version=\"1\"")
                    .endsWith(" 3.0"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("latentserve_rows_total{")
                    .contains("model=\"mnist-vae\"")
                    .endsWith(" 6.0"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("latentserve_batch_size_rows_bucket{")
                    .contains("graph=\"encoder\"", "model=\"mnist-vae\"", "le=\"+Inf\"")
                    .endsWith(" 3"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("latentserve_batch_queue_delay_seconds_bucket{")
                    .contains("model=\"mnist-vae\""));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("latentserve_model_device{")
                    .contains("device=\"cpu\"", "model=\"mnist-vae\"", "version=\"1\"")
                    .endsWith(" 1.0"));
    assertThat(lines).contains("latentserve_models_loaded 1.0");
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("grpc_server_processing_duration_seconds_bucket{")
                    .contains("method=\"Encode\"", "statusCode=\"OK\""));
  }

  @Test
  void shutdown_streamInFlight_letsItFinishThenClosesTheModels() throws Exception {
    TestBundles.publish(repository, MODEL, 1);
    server = TestServer.start(TestServer.config(root).build()).awaitServing();
    VaeModel model;
    try (ModelLease lease = server.server.models().acquire(MODEL, 1)) {
      model = lease.served().model();
    }
    Iterator<ImportanceWeightsChunk> stream =
        server
            .inference()
            .importanceWeights(
                ImportanceWeightsRequest.newBuilder()
                    .setModel(TestServer.ref(MODEL, 1))
                    .setX(TensorCodec.encode(TestBundles.binaryImages(2, 1), 2, 784))
                    .setK(200)
                    .setChunkSize(10)
                    .build());
    assertThat(stream.next().getSampleOffset()).isZero();

    CompletableFuture<Void> shutdown = CompletableFuture.runAsync(server.server::shutdown);
    TestServer.awaitCondition(
        WAIT,
        "new calls to be refused",
        () -> {
          try {
            server.inference().listModels(ListModelsRequest.getDefaultInstance());
            return false;
          } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.UNAVAILABLE;
          }
        });
    int chunks = 1;
    while (stream.hasNext()) {
      stream.next();
      chunks++;
    }
    shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(chunks).isEqualTo(20);
    assertThatThrownBy(() -> model.sample(1, 0, false))
        .isInstanceOf(ModelUnavailableException.class);
  }

  @Test
  void shutdown_streamStalledPastGrace_cancelsItAndStops() throws Exception {
    TestBundles.publish(repository, MODEL, 1);
    server =
        TestServer.start(TestServer.config(root).shutdownGrace(Duration.ofMillis(200)).build())
            .awaitServing();
    Iterator<ImportanceWeightsChunk> stream =
        server
            .inference()
            .importanceWeights(
                ImportanceWeightsRequest.newBuilder()
                    .setModel(TestServer.ref(MODEL, 1))
                    .setX(TensorCodec.encode(TestBundles.binaryImages(2, 1), 2, 784))
                    .setK(200)
                    .setChunkSize(10)
                    .build());
    stream.next();

    server.server.shutdown();

    // Flow control: the client read one chunk, so the server computed only a few of the 20.
    long computed =
        server
            .server
            .metrics()
            .registry()
            .get("latentserve.batch.size")
            .tags("graph", "log_weights")
            .summary()
            .count();
    assertThat(computed).isBetween(1L, 5L);

    assertThatThrownBy(
            () -> {
              while (stream.hasNext()) {
                stream.next();
              }
            })
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getCode())
                    .isIn(Status.Code.CANCELLED, Status.Code.UNAVAILABLE));
  }

  @Test
  void start_realPorts_servesOverTcpUntilShutdown() throws Exception {
    TestBundles.publish(repository, MODEL, 1);
    InferenceServer real = InferenceMain.start(TestServer.config(root).port(0).build());
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", real.port(), InsecureChannelCredentials.create())
            .build();
    try {
      InferenceGrpc.InferenceBlockingStub stub = InferenceGrpc.newBlockingStub(channel);
      TestServer.awaitCondition(
          WAIT,
          "the repository to load",
          () -> {
            try {
              return stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                      .listModels(ListModelsRequest.getDefaultInstance())
                      .getModelsCount()
                  == 1;
            } catch (StatusRuntimeException e) {
              return false;
            }
          });
      assertThat(real.port()).isPositive();
    } finally {
      channel.shutdownNow();
      real.shutdown();
    }
    real.awaitTermination();
  }

  private int latestVersion() {
    return (int)
        server
            .inference()
            .getModel(GetModelRequest.newBuilder().setModel(TestServer.ref(MODEL, 0)).build())
            .getModel()
            .getVersion();
  }

  private static void awaitGate(CountDownLatch gate) {
    try {
      if (!gate.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("test gate never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
