package io.latentserve.cli;

import io.latentserve.server.security.ChannelSecurity;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * How a client command reaches a service that runs with TLS or tokens: {@code --tls-ca} turns TLS
 * on, {@code --tls-cert}/{@code --tls-key} add a client certificate (mTLS), {@code --token} (or
 * {@code LATENTSERVE_TOKEN}, which keeps the token out of the process list) is sent as a bearer
 * token. Inherited by subcommands ({@code jobs watch}, {@code jobs cancel}).
 */
final class ClientSecurityOptions {
  @Option(
      names = "--tls-ca",
      paramLabel = "<file>",
      scope = ScopeType.INHERIT,
      description =
          "PEM CA bundle that signs the service's certificate: speak TLS (default: plaintext).")
  Path tlsCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "<file>",
      scope = ScopeType.INHERIT,
      description =
          "PEM client certificate, for a service that requires mTLS (with --tls-key; default:"
              + " none).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "<file>",
      scope = ScopeType.INHERIT,
      description = "PEM private key (PKCS#8) of --tls-cert (required with --tls-cert).")
  Path tlsKey;

  @Option(
      names = "--token",
      paramLabel = "<token>",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:LATENTSERVE_TOKEN}",
      description =
          "Bearer token sent with every call (env LATENTSERVE_TOKEN, which other users cannot see"
              + " in the process list; default: none).")
  String token;

  /**
   * The channel security these options ask for.
   *
   * @throws CliException naming the option at fault
   */
  ChannelSecurity security() {
    try {
      return new ChannelSecurity(
          tlsCa, tlsCert, tlsKey, token == null || token.isBlank() ? null : token);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage().replace("token must", "--token must"), e);
    }
  }
}
