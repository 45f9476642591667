package io.latentserve.server.security;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.time.Duration;
import java.util.Objects;

/**
 * The transport credentials of a client channel from its {@link ChannelSecurity}: plaintext, or TLS
 * that checks the server's certificate (signed by the CA bundle, naming the host dialled) and
 * presents a client certificate for mTLS. A long-lived client (the evaluator) re-reads the files
 * every period, so that rotated certificates are used by new connections; a short-lived one (the
 * CLI) reads them once.
 */
public final class ChannelTls implements AutoCloseable {
  private final ChannelCredentials credentials;
  private final PemReloading reloading;

  private ChannelTls(ChannelCredentials credentials, PemReloading reloading) {
    this.credentials = credentials;
    this.reloading = reloading;
  }

  /**
   * Reads the files now.
   *
   * @param reloadPeriod how often to look at the files again, or null to read them only now
   * @throws IllegalArgumentException naming a file that cannot be used
   */
  public static ChannelTls of(ChannelSecurity security, Duration reloadPeriod) {
    Objects.requireNonNull(security, "security");
    if (!security.tls()) {
      return new ChannelTls(InsecureChannelCredentials.create(), null);
    }
    PemReloading reloading = new PemReloading("client-tls-reload");
    try {
      TlsChannelCredentials.Builder b =
          TlsChannelCredentials.newBuilder()
              .trustManager(reloading.trust(security.tlsCa(), true, reloadPeriod));
      if (security.tlsCert() != null) {
        b.keyManager(reloading.identity(security.tlsCert(), security.tlsKey(), reloadPeriod));
      }
      return new ChannelTls(b.build(), reloading);
    } catch (RuntimeException e) {
      reloading.close();
      throw e;
    }
  }

  /** The credentials to build the channel with. */
  public ChannelCredentials credentials() {
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
