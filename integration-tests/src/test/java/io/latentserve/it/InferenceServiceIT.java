package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.cli.DemoBundle;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.wire.TensorCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * inference-service as users run it: {@code latentserve serve inference} in its own process on free
 * loopback ports, readiness from grpc.health.v1, calls over the network, metrics over HTTP, hot
 * reload, graceful stop.
 */
class InferenceServiceIT {
  @TempDir Path work;

  private FileSystemModelRepository repository;
  private ServiceProcess server;
  private int metricsPort;
  private ManagedChannel channel;
  private InferenceGrpc.InferenceBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    repository = new FileSystemModelRepository(work.resolve("models"));
    DemoBundle.IWAE1.publish(repository, "demo", 1);
    metricsPort = ServiceProcess.freePort();
    server =
        ServiceProcess.start(
            "inference",
            ServiceProcess.freePort(),
            List.of(
                "--model-repository", repository.root().toString(),
                "--metrics-port", Integer.toString(metricsPort),
                "--reload-interval", "200ms"),
            Files.createFile(work.resolve("inference.log")));
    server.awaitServing(Duration.ofMinutes(2), elapsed -> {});
    channel = ManagedChannelBuilder.forTarget(server.target()).usePlaintext().build();
    stub = InferenceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private InferenceGrpc.InferenceBlockingStub call() {
    return stub.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Test
  void encode_overTheNetwork_returnsLatentsOfTheServedModel() {
    FloatTensor x = FloatTensor.of(new float[2 * 784], 2, 784);
    EncodeResponse response =
        call()
            .encode(
                EncodeRequest.newBuilder()
                    .setModel(ModelRef.newBuilder().setName("demo"))
                    .setX(TensorCodec.encode(x))
                    .build());

    assertThat(response.getModel().getVersion()).isEqualTo(1);
    assertThat(response.getLayersList()).hasSize(1);
    assertThat(TensorCodec.decode("mean", response.getLayers(0).getGaussian().getMean()).shape())
        .containsExactly(2, 50);
  }

  @Test
  void encode_wrongFeatureCount_returnsInvalidArgumentAndStaysServing() {
    FloatTensor x = FloatTensor.of(new float[783], 1, 783);

    assertThatThrownBy(
            () ->
                call()
                    .encode(
                        EncodeRequest.newBuilder()
                            .setModel(ModelRef.newBuilder().setName("demo"))
                            .setX(TensorCodec.encode(x))
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("783").contains("784");
            });
    assertThat(
            call()
                .getModel(
                    GetModelRequest.newBuilder()
                        .setModel(ModelRef.newBuilder().setName("demo"))
                        .build())
                .getModel()
                .getDevice())
        .isEqualTo("cpu");
  }

  @Test
  void publish_whileServing_newVersionBecomesLatestWithoutRestart() {
    DemoBundle.IWAE1.publish(repository, "demo", 2);

    Instant deadline = Instant.now().plusSeconds(60);
    long latest = 0;
    while (Instant.now().isBefore(deadline)) {
      latest =
          call()
              .getModel(
                  GetModelRequest.newBuilder()
                      .setModel(ModelRef.newBuilder().setName("demo"))
                      .build())
              .getModel()
              .getVersion();
      if (latest == 2) {
        break;
      }
    }
    assertThat(latest).isEqualTo(2);
    assertThat(server.isAlive()).isTrue();
  }

  @Test
  void metrics_afterCalls_exposeRequestCountsPerModel() throws Exception {
    encode_overTheNetwork_returnsLatentsOfTheServedModel();

    HttpResponse<String> scrape =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).contains("model=\"demo\"").contains("grpc_server");
  }

  @Test
  void stop_sigterm_exitsCleanly() {
    assertThat(server.stop(Duration.ofSeconds(30))).isIn(0, 143);
    assertThat(server.isAlive()).isFalse();
  }
}
