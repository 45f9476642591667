package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** How a CLI channel words a service it cannot reach, and one that answers UNAVAILABLE itself. */
class ServiceChannelsTest {

  @Test
  void serviceUp_itsOwnUnavailable_keepsItsWords() throws Exception {
    // e.g. the evaluator saying that inference-service is down
    Server server =
        ServerBuilder.forPort(0)
            .addService(
                new HealthGrpc.HealthImplBase() {
                  @Override
                  public void check(
                      HealthCheckRequest request, StreamObserver<HealthCheckResponse> observer) {
                    observer.onError(
                        Status.UNAVAILABLE
                            .withDescription("inference-service at 127.0.0.1:1 is unreachable")
                            .asRuntimeException());
                  }
                })
            .build()
            .start();
    ManagedChannel channel =
        ServiceChannels.open("evaluator-service", "127.0.0.1:" + server.getPort());
    try {
      assertThatThrownBy(
              () ->
                  HealthGrpc.newBlockingStub(channel)
                      .check(HealthCheckRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e ->
                  assertThat(e.getStatus().getDescription())
                      .isEqualTo("inference-service at 127.0.0.1:1 is unreachable"));
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  @Test
  void serviceDown_namesTheServiceAndTheAddress() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ManagedChannel channel = ServiceChannels.open("evaluator-service", "127.0.0.1:" + port);
    try {
      assertThatThrownBy(
              () ->
                  HealthGrpc.newBlockingStub(channel)
                      .check(HealthCheckRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e ->
                  assertThat(e.getStatus().getDescription())
                      .startsWith("cannot reach evaluator-service at 127.0.0.1:" + port + " ("));
    } finally {
      channel.shutdownNow();
    }
  }
}
