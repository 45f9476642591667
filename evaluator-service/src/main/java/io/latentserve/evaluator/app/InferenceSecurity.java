package io.latentserve.evaluator.app;

import io.latentserve.server.EnvironmentSettings;
import io.latentserve.server.security.ChannelSecurity;
import io.latentserve.server.security.ServerSecurity;
import java.nio.file.Path;
import java.util.Map;

/**
 * How the evaluator reaches inference-service: TLS trusting {@code tlsCa}, its own client
 * certificate for mTLS, and its own bearer token (never its caller's: the evaluator calls inference
 * as itself, with the {@code read} role, whoever asked for the evaluation). All off by default.
 *
 * @param tlsCa PEM bundle of the CAs that sign inference's certificate, or null
 * @param tlsCert the evaluator's PEM client certificate (mTLS), or null; given exactly with {@code
 *     tlsKey}
 * @param tlsKey its PKCS#8 private key, or null
 * @param tokenFile a file whose first line is the evaluator's token, or null: no token is sent
 */
public record InferenceSecurity(Path tlsCa, Path tlsCert, Path tlsKey, Path tokenFile) {
  public static final String ENV_TLS_CA = "LATENTSERVE_INFERENCE_TLS_CA";
  public static final String ENV_TLS_CERT = "LATENTSERVE_INFERENCE_TLS_CERT";
  public static final String ENV_TLS_KEY = "LATENTSERVE_INFERENCE_TLS_KEY";
  public static final String ENV_TOKEN_FILE = "LATENTSERVE_INFERENCE_TOKEN_FILE";

  public static final InferenceSecurity NONE = new InferenceSecurity(null, null, null, null);

  public InferenceSecurity {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          (tlsCert == null ? "inferenceTlsKey needs" : "inferenceTlsCert needs")
              + " its pair: give --inference-tls-cert and --inference-tls-key ("
              + ENV_TLS_CERT
              + " and "
              + ENV_TLS_KEY
              + ") together");
    }
  }

  /** The defaults overridden by the variables present in {@code env}; each file must exist. */
  public static InferenceSecurity fromEnvironment(Map<String, String> env) {
    Path[] p = new Path[4];
    return EnvironmentSettings.of(env)
        .read(ENV_TLS_CA, ServerSecurity::existingFile, v -> p[0] = v)
        .read(ENV_TLS_CERT, ServerSecurity::existingFile, v -> p[1] = v)
        .read(ENV_TLS_KEY, ServerSecurity::existingFile, v -> p[2] = v)
        .read(ENV_TOKEN_FILE, ServerSecurity::existingFile, v -> p[3] = v)
        .build(() -> new InferenceSecurity(p[0], p[1], p[2], p[3]));
  }

  /**
   * The channel's security, with the token read from {@link #tokenFile()} now.
   *
   * @throws IllegalArgumentException if the token file is empty or its token malformed
   * @throws java.io.UncheckedIOException if it cannot be read
   */
  public ChannelSecurity channelSecurity() {
    return new ChannelSecurity(
        tlsCa, tlsCert, tlsKey, tokenFile == null ? null : ChannelSecurity.readToken(tokenFile));
  }
}
