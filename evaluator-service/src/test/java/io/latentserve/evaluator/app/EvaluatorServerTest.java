package io.latentserve.evaluator.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.latentserve.evaluator.core.DatasetSource;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.ListEvaluationsRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorServerTest {
  @TempDir Path reports;
  private EvaluatorServer server;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() throws IOException {
    String name = InProcessServerBuilder.generateName();
    EvaluatorConfig config =
        EvaluatorConfig.builder()
            .metricsPort(0)
            .reportsDir(reports)
            .inferenceTarget("127.0.0.1:9")
            .shutdownGrace(Duration.ofSeconds(2))
            .build();
    server =
        new EvaluatorServer(config, InProcessServerBuilder.forName(name), DatasetSource.none())
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdown();
  }

  @Test
  void start_healthIsServingForTheEvaluatorService() {
    var health = HealthGrpc.newBlockingStub(channel);

    assertThat(
            health
                .check(
                    HealthCheckRequest.newBuilder()
                        .setService(EvaluatorServer.SERVICE_NAME)
                        .build())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void reflection_listsTheEvaluatorService() throws Exception {
    CompletableFuture<ServerReflectionResponse> response = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    response.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    response.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();

    assertThat(response.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
        .extracting(s -> s.getName())
        .contains(EvaluatorServer.SERVICE_NAME);
  }

  @Test
  void metrics_afterACall_exposesEvaluatorAndGrpcMetrics() throws Exception {
    EvaluatorGrpc.newBlockingStub(channel)
        .listEvaluations(ListEvaluationsRequest.getDefaultInstance());

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("latentserve_evaluations_running")
        .contains("grpc_server_processing_duration_seconds")
        .contains("ListEvaluations");
  }

  @Test
  void shutdown_healthTurnsNotServingAndCallsFail() {
    server.shutdown();

    try {
      HealthGrpc.newBlockingStub(channel)
          .check(HealthCheckRequest.newBuilder().setService(EvaluatorServer.SERVICE_NAME).build());
    } catch (StatusRuntimeException expected) {
      assertThat(expected.getStatus().getCode().name()).isEqualTo("UNAVAILABLE");
      return;
    }
    throw new AssertionError("a shut-down server answered");
  }
}
