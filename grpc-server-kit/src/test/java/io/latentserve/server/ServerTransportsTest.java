package io.latentserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real Netty servers with a health service, on loopback addresses. */
class ServerTransportsTest {
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private Server start(String host) throws IOException {
    server =
        ServerTransports.plaintext(host, 0)
            .addService(new HealthStatusManager().getHealthService())
            .build()
            .start();
    return server;
  }

  private ServingStatus health(String target) {
    channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  @Test
  void plaintext_host_bindsThatAddressOnly() throws IOException {
    // Linux answers on every address of 127.0.0.0/8: two servers can share a port on two of them.
    start("127.0.0.2");

    List<SocketAddress> listening = List.copyOf(server.getListenSockets());
    assertThat(listening)
        .containsExactly(
            new InetSocketAddress(InetAddress.getByName("127.0.0.2"), server.getPort()));
    assertThat(health("127.0.0.2:" + server.getPort())).isEqualTo(ServingStatus.SERVING);
    assertThatThrownBy(() -> new Socket("127.0.0.1", server.getPort()).close())
        .as("nothing listens on 127.0.0.1")
        .isInstanceOf(IOException.class);
  }

  @Test
  void plaintext_everyInterface_bindsTheWildcardAddress() throws IOException {
    start(ServerTransports.EVERY_INTERFACE);

    InetSocketAddress listening = (InetSocketAddress) server.getListenSockets().get(0);
    assertThat(listening.getAddress().isAnyLocalAddress()).isTrue();
    assertThat(health("127.0.0.1:" + server.getPort())).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void plaintext_unresolvableHost_throwsNamingTheHost() {
    assertThatThrownBy(() -> ServerTransports.plaintext("no-such-host.invalid", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("host \"no-such-host.invalid\" does not resolve to an address");
  }

  @Test
  void plaintext_malformedHostOrPort_throwsNamingTheSetting() {
    assertThatThrownBy(() -> ServerTransports.plaintext("localhost:50051", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host must be an IP address or a host name");
    assertThatThrownBy(() -> ServerTransports.plaintext("", 70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port must be in [0, 65535]");
  }
}
