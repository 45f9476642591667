package io.latentserve.server.security;

import io.latentserve.server.EnvironmentSettings;
import io.latentserve.server.SettingChecks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How a service's server is exposed, the same for every service: TLS from PEM files (mTLS when a
 * client CA is given), bearer tokens from a tokens file, and the address of {@code /metrics}.
 * Everything is off by default: plaintext, no tokens, metrics on the gRPC bind address.
 *
 * @param tlsCert PEM certificate chain of the server, or null for plaintext
 * @param tlsKey PEM private key (PKCS#8) of {@code tlsCert}; given exactly when {@code tlsCert} is
 * @param tlsClientCa PEM trust bundle of client certificates, or null: when set, every client must
 *     present a certificate it signed (mTLS); needs {@code tlsCert}
 * @param authTokens tokens file ({@link BearerTokens}), or null: no token is asked for
 * @param metricsHost address {@code /metrics} binds, or null for the gRPC bind address
 */
public record ServerSecurity(
    Path tlsCert, Path tlsKey, Path tlsClientCa, Path authTokens, String metricsHost) {
  public static final String ENV_TLS_CERT = "LATENTSERVE_TLS_CERT";
  public static final String ENV_TLS_KEY = "LATENTSERVE_TLS_KEY";
  public static final String ENV_TLS_CLIENT_CA = "LATENTSERVE_TLS_CLIENT_CA";
  public static final String ENV_AUTH_TOKENS = "LATENTSERVE_AUTH_TOKENS";
  public static final String ENV_METRICS_HOST = "LATENTSERVE_METRICS_HOST";

  /** Plaintext, no tokens, metrics beside gRPC. */
  public static final ServerSecurity NONE = new ServerSecurity(null, null, null, null, null);

  public ServerSecurity {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          (tlsCert == null ? "tlsKey needs a certificate" : "tlsCert needs a private key")
              + " too: give --tls-cert and --tls-key ("
              + ENV_TLS_CERT
              + " and "
              + ENV_TLS_KEY
              + ") together");
    }
    if (tlsClientCa != null && tlsCert == null) {
      throw new IllegalArgumentException(
          "tlsClientCa needs TLS: give --tls-cert and --tls-key as well (mTLS is TLS that also"
              + " checks the client)");
    }
    if (metricsHost != null) {
      SettingChecks.checkHost("metricsHost", metricsHost);
    }
  }

  /**
   * The defaults overridden by the variables present in {@code env}; each file must exist.
   *
   * @throws IllegalArgumentException naming the variable and its value
   */
  public static ServerSecurity fromEnvironment(Map<String, String> env) {
    Builder b = new Builder();
    return EnvironmentSettings.of(env)
        .read(ENV_TLS_CERT, ServerSecurity::existingFile, b::tlsCert)
        .read(ENV_TLS_KEY, ServerSecurity::existingFile, b::tlsKey)
        .read(ENV_TLS_CLIENT_CA, ServerSecurity::existingFile, b::tlsClientCa)
        .read(ENV_AUTH_TOKENS, ServerSecurity::existingFile, b::authTokens)
        .readString(ENV_METRICS_HOST, b::metricsHost)
        .build(b::build);
  }

  /**
   * A path that names a readable file.
   *
   * @throws IllegalArgumentException "no readable file there"
   */
  public static Path existingFile(String text) {
    Path path = Path.of(text);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new IllegalArgumentException("no readable file there");
    }
    return path;
  }

  /** Whether the server speaks TLS. */
  public boolean tls() {
    return tlsCert != null;
  }

  /** Whether clients must present a certificate. */
  public boolean mutualTls() {
    return tlsClientCa != null;
  }

  /** Whether calls need a bearer token. */
  public boolean auth() {
    return authTokens != null;
  }

  /** The address {@code /metrics} binds: {@link #metricsHost()}, else {@code grpcHost}. */
  public String metricsHostOr(String grpcHost) {
    return metricsHost != null ? metricsHost : grpcHost;
  }

  private static final class Builder {
    private Path tlsCert;
    private Path tlsKey;
    private Path tlsClientCa;
    private Path authTokens;
    private String metricsHost;

    void tlsCert(Path p) {
      tlsCert = p;
    }

    void tlsKey(Path p) {
      tlsKey = p;
    }

    void tlsClientCa(Path p) {
      tlsClientCa = p;
    }

    void authTokens(Path p) {
      authTokens = p;
    }

    void metricsHost(String h) {
      metricsHost = h;
    }

    ServerSecurity build() {
      return new ServerSecurity(tlsCert, tlsKey, tlsClientCa, authTokens, metricsHost);
    }
  }
}
