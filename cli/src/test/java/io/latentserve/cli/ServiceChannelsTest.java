package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.latentserve.server.security.ChannelSecurity;
import java.net.ServerSocket;
import java.nio.file.Path;
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
    try {
      assertThat(failedCheck("127.0.0.1:" + server.getPort()))
          .isEqualTo("inference-service at 127.0.0.1:1 is unreachable");
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void serviceDown_namesTheServiceAndTheAddress() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    assertThat(failedCheck("127.0.0.1:" + port))
        .startsWith("cannot reach evaluator-service at 127.0.0.1:" + port + " (");
  }

  /** The description of the UNAVAILABLE that a health check through a CLI channel gets. */
  private static String failedCheck(String target) {
    ManagedChannel channel = ServiceChannels.open("evaluator-service", target);
    try {
      HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
      throw new AssertionError("the check succeeded");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      return e.getStatus().getDescription();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void plaintextTokenWarning_tokenToAnotherHostWithoutTls_warnsNamingTheTarget() {
    ChannelSecurity token = ChannelSecurity.NONE.withToken("s3cret-token-abcdef");
    assertThat(ServiceChannels.plaintextTokenWarning("inference.example:50051", token))
        .hasValueSatisfying(
            w -> assertThat(w).contains("inference.example:50051").contains("--tls-ca"));
    assertThat(ServiceChannels.plaintextTokenWarning("dns:///inference.example:50051", token))
        .isPresent();
  }

  @Test
  void plaintextTokenWarning_loopbackTlsOrNoToken_isSilent() {
    ChannelSecurity token = ChannelSecurity.NONE.withToken("s3cret-token-abcdef");
    for (String loopback :
        new String[] {"localhost:50051", "127.0.0.2:50051", "[::1]:50051", "dns:///localhost:1"}) {
      assertThat(ServiceChannels.plaintextTokenWarning(loopback, token)).as(loopback).isEmpty();
    }
    ChannelSecurity tls = new ChannelSecurity(Path.of("ca.pem"), null, null, "s3cret-token-abcdef");
    assertThat(ServiceChannels.plaintextTokenWarning("inference.example:50051", tls)).isEmpty();
    assertThat(
            ServiceChannels.plaintextTokenWarning("inference.example:50051", ChannelSecurity.NONE))
        .isEmpty();
  }
}
