package io.latentserve.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.latentserve.server.ServerTransports;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Netty servers on loopback with certificates the test makes, and real TLS clients. */
class ServerTlsTest {
  @TempDir Path dir;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private TestCertificates.Issued ca;
  private Path caFile;
  private Path serverCert;
  private Server server;

  @BeforeEach
  void certificates() {
    ca = TestCertificates.ca("latentserve test CA");
    caFile = ca.write(dir, "ca");
    serverCert = TestCertificates.leaf(ca, "server").write(dir, "server");
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private int start(ServerSecurity security) throws IOException {
    server =
        ServerTransports.open("127.0.0.1", 0, security)
            .addService(new HealthStatusManager().getHealthService())
            .build()
            .start();
    return server.getPort();
  }

  private ServingStatus health(int port, ChannelSecurity security) {
    ChannelTls tls = ChannelTls.of(security, null);
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("localhost", port, tls.credentials()).build();
    channels.add(channel);
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  private Path key(Path cert) {
    return dir.resolve(cert.getFileName().toString().replace(".crt", ".key"));
  }

  @Test
  void tls_clientTrustingTheCa_handshakes() throws IOException {
    int port = start(new ServerSecurity(serverCert, key(serverCert), null, null, null));

    assertThat(health(port, new ChannelSecurity(caFile, null, null, null)))
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void tls_clientTrustingAnotherCa_unavailable() throws IOException {
    int port = start(new ServerSecurity(serverCert, key(serverCert), null, null, null));
    Path otherCa = TestCertificates.ca("someone else").write(dir, "other-ca");

    assertThatThrownBy(() -> health(port, new ChannelSecurity(otherCa, null, null, null)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void tls_plaintextClient_refused() throws IOException {
    int port = start(new ServerSecurity(serverCert, key(serverCert), null, null, null));

    assertThatThrownBy(() -> health(port, ChannelSecurity.NONE))
        .isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void mutualTls_clientCertificateSignedByTheClientCa_handshakes() throws IOException {
    TestCertificates.Issued clientCa = TestCertificates.ca("clients");
    Path clientCaFile = clientCa.write(dir, "client-ca");
    Path clientCert = TestCertificates.leaf(clientCa, "evaluator").write(dir, "client");
    int port = start(new ServerSecurity(serverCert, key(serverCert), clientCaFile, null, null));

    assertThat(health(port, new ChannelSecurity(caFile, clientCert, key(clientCert), null)))
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void mutualTls_clientWithoutCertificate_refused() throws IOException {
    Path clientCaFile = TestCertificates.ca("clients").write(dir, "client-ca");
    int port = start(new ServerSecurity(serverCert, key(serverCert), clientCaFile, null, null));

    assertThatThrownBy(() -> health(port, new ChannelSecurity(caFile, null, null, null)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void mutualTls_clientCertificateOfAnUntrustedCa_refused() throws IOException {
    Path clientCaFile = TestCertificates.ca("clients").write(dir, "client-ca");
    TestCertificates.Issued rogueCa = TestCertificates.ca("clients");
    Path rogueCert = TestCertificates.leaf(rogueCa, "evaluator").write(dir, "rogue");
    int port = start(new ServerSecurity(serverCert, key(serverCert), clientCaFile, null, null));

    assertThatThrownBy(
            () -> health(port, new ChannelSecurity(caFile, rogueCert, key(rogueCert), null)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void rotation_filesReplacedUnderARunningServer_newHandshakesGetTheNewCertificate()
      throws Exception {
    ServerSecurity security = new ServerSecurity(serverCert, key(serverCert), null, null, null);
    ServerTls tls = ServerTls.of(security, Duration.ofMillis(100));
    closeables.add(tls);
    server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), tls.credentials())
            .addService(new HealthStatusManager().getHealthService())
            .build()
            .start();
    int port = server.getPort();
    BigInteger first = presented(port).getSerialNumber();
    assertThat(health(port, new ChannelSecurity(caFile, null, null, null)))
        .isEqualTo(ServingStatus.SERVING);

    TestCertificates.Issued next = TestCertificates.leaf(ca, "server-rotated");
    next.write(dir, "server");

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    X509Certificate now = presented(port);
    while (now.getSerialNumber().equals(first) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      now = presented(port);
    }
    assertThat(now.getSerialNumber()).isEqualTo(next.certificate().getSerialNumber());
    assertThat(now.getSubjectX500Principal().getName()).isEqualTo("CN=server-rotated");
    // and gRPC over a new connection still works with the rotated certificate
    assertThat(health(port, new ChannelSecurity(caFile, null, null, null)))
        .isEqualTo(ServingStatus.SERVING);
  }

  /** The certificate the server presents to a new TLS handshake (offering h2, as gRPC does). */
  private X509Certificate presented(int port) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      SSLParameters params = socket.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(params);
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  @Test
  void serverTls_missingKeyFile_failsNamingTheFiles() {
    ServerSecurity security =
        new ServerSecurity(serverCert, dir.resolve("nowhere.key"), null, null, null);

    assertThatThrownBy(() -> ServerTls.of(security))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot use certificate " + serverCert)
        .hasMessageContaining("nowhere.key");
  }
}
