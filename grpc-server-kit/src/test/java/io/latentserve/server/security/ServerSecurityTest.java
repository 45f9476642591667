package io.latentserve.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.server.ServerTransports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerSecurityTest {
  @TempDir Path dir;

  @Test
  void fromEnvironment_nothingSet_plaintextWithoutTokens() {
    ServerSecurity s = ServerSecurity.fromEnvironment(Map.of());

    assertThat(s).isEqualTo(ServerSecurity.NONE);
    assertThat(s.tls()).isFalse();
    assertThat(s.auth()).isFalse();
    assertThat(s.metricsHostOr("127.0.0.1")).isEqualTo("127.0.0.1");
  }

  @Test
  void fromEnvironment_everything_read() throws IOException {
    Path cert = Files.writeString(dir.resolve("c"), "x");
    Path key = Files.writeString(dir.resolve("k"), "x");
    Path ca = Files.writeString(dir.resolve("ca"), "x");
    Path tokens = Files.writeString(dir.resolve("t"), "x");

    ServerSecurity s =
        ServerSecurity.fromEnvironment(
            Map.of(
                "LATENTSERVE_TLS_CERT", cert.toString(),
                "LATENTSERVE_TLS_KEY", key.toString(),
                "LATENTSERVE_TLS_CLIENT_CA", ca.toString(),
                "LATENTSERVE_AUTH_TOKENS", tokens.toString(),
                "LATENTSERVE_METRICS_HOST", "0.0.0.0"));

    assertThat(s).isEqualTo(new ServerSecurity(cert, key, ca, tokens, "0.0.0.0"));
    assertThat(s.mutualTls()).isTrue();
    assertThat(s.metricsHostOr("127.0.0.1")).isEqualTo("0.0.0.0");
  }

  @Test
  void fromEnvironment_missingFile_namesTheVariable() {
    assertThatThrownBy(
            () ->
                ServerSecurity.fromEnvironment(
                    Map.of("LATENTSERVE_AUTH_TOKENS", dir.resolve("none").toString())))
        .hasMessage(
            "LATENTSERVE_AUTH_TOKENS=\""
                + dir.resolve("none")
                + "\" is not valid: no readable file there");
  }

  @Test
  void certificateWithoutKey_refused() throws IOException {
    Path cert = Files.writeString(dir.resolve("c"), "x");

    assertThatThrownBy(() -> new ServerSecurity(cert, null, null, null, null))
        .hasMessageStartingWith("tlsCert needs a private key too");
    assertThatThrownBy(() -> new ServerSecurity(null, null, cert, null, null))
        .hasMessageStartingWith("tlsClientCa needs TLS");
  }

  @Test
  void exposureWarning_plaintextBeyondLoopback_warnsOnce() {
    assertThat(ServerTransports.exposureWarning("", false))
        .hasValueSatisfying(w -> assertThat(w).startsWith("plaintext gRPC on every interface"));
    assertThat(ServerTransports.exposureWarning("0.0.0.0", false)).isPresent();
    assertThat(ServerTransports.exposureWarning("", true)).isEmpty();
    assertThat(ServerTransports.exposureWarning("127.0.0.1", false)).isEmpty();
    assertThat(ServerTransports.exposureWarning("localhost", false)).isEmpty();
    assertThat(ServerTransports.exposureWarning("::1", false)).isEmpty();
  }
}
