package io.latentserve.server.security;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.TlsServerCredentials.ClientAuth;
import java.time.Duration;
import java.util.Objects;

/**
 * The transport credentials of a server from its {@link ServerSecurity}: plaintext, TLS from the
 * certificate and key files, or mTLS that requires a client certificate signed by the client CA
 * bundle. The files are re-read every {@link #DEFAULT_RELOAD_PERIOD} (grpc-java's {@code
 * AdvancedTlsX509KeyManager} / {@code AdvancedTlsX509TrustManager}), so that new handshakes use a
 * rotated certificate; connections already open keep the one they were made with.
 */
public final class ServerTls implements AutoCloseable {
  /** How often the PEM files are looked at for changes. */
  public static final Duration DEFAULT_RELOAD_PERIOD = Duration.ofSeconds(30);

  private final ServerCredentials credentials;
  private final PemReloading reloading;

  private ServerTls(ServerCredentials credentials, PemReloading reloading) {
    this.credentials = credentials;
    this.reloading = reloading;
  }

  /** {@link #of(ServerSecurity, Duration)} with {@link #DEFAULT_RELOAD_PERIOD}. */
  public static ServerTls of(ServerSecurity security) {
    return of(security, DEFAULT_RELOAD_PERIOD);
  }

  /**
   * Reads the files now (a missing or malformed one fails here, before any port is bound) and
   * starts re-reading them every {@code reloadPeriod}.
   *
   * @throws IllegalArgumentException naming a file that cannot be used
   */
  public static ServerTls of(ServerSecurity security, Duration reloadPeriod) {
    Objects.requireNonNull(security, "security");
    if (!security.tls()) {
      return new ServerTls(InsecureServerCredentials.create(), null);
    }
    PemReloading reloading = new PemReloading("tls-reload");
    try {
      TlsServerCredentials.Builder b =
          TlsServerCredentials.newBuilder()
              .keyManager(reloading.identity(security.tlsCert(), security.tlsKey(), reloadPeriod));
      if (security.mutualTls()) {
        b.trustManager(reloading.trust(security.tlsClientCa(), false, reloadPeriod))
            .clientAuth(ClientAuth.REQUIRE);
      }
      return new ServerTls(b.build(), reloading);
    } catch (RuntimeException e) {
      reloading.close();
      throw e;
    }
  }

  /** The credentials to build the server with. */
  public ServerCredentials credentials() {
    return credentials;
  }

  /** Stops re-reading the files. */
  @Override
  public void close() {
    if (reloading != null) {
      reloading.close();
    }
  }
}
