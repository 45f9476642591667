package io.latentserve.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.latentserve.server.ServerTransports;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one warning a plaintext server beyond loopback logs at start, read from the log output
 * (slf4j-simple writes to {@code System.err}, which the test captures).
 */
class PlaintextWarningTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream original;
  private Server server;

  @BeforeEach
  void capture() {
    original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() throws InterruptedException {
    System.setErr(original);
    if (server != null) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private long warnings() {
    return captured.toString(StandardCharsets.UTF_8).lines().filter(this::isWarning).count();
  }

  private boolean isWarning(String line) {
    return line.contains("WARN") && line.contains("plaintext gRPC on");
  }

  @Test
  void open_plaintextOnEveryInterface_logsOneWarning() throws Exception {
    server = ServerTransports.open("", 0, ServerSecurity.NONE).build().start();

    assertThat(warnings()).isEqualTo(1);
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("plaintext gRPC on every interface")
        .contains("--tls-cert");
  }

  @Test
  void open_plaintextOnLoopback_logsNothing() throws Exception {
    server = ServerTransports.open("127.0.0.1", 0, ServerSecurity.NONE).build().start();

    assertThat(warnings()).isZero();
  }

  @Test
  void open_tlsOnEveryInterface_logsNothing() throws Exception {
    TestCertificates.Issued ca = TestCertificates.ca("ca");
    Path cert = TestCertificates.leaf(ca, "server").write(dir, "server");
    server =
        ServerTransports.open(
                "", 0, new ServerSecurity(cert, dir.resolve("server.key"), null, null, null))
            .build()
            .start();

    assertThat(warnings()).isZero();
  }
}
