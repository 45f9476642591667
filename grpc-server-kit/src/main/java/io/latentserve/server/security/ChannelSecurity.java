package io.latentserve.server.security;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How a client reaches a latentserve service: TLS trusting {@code tlsCa} (the system's CAs when
 * only a client certificate is given), a client certificate for mTLS, and a bearer token sent with
 * every call. Plaintext without a token when nothing is set.
 *
 * @param tlsCa PEM bundle of the CAs that may sign the server's certificate, or null
 * @param tlsCert PEM certificate chain of this client (mTLS), or null; given exactly when {@code
 *     tlsKey} is
 * @param tlsKey PEM private key (PKCS#8) of {@code tlsCert}, or null
 * @param token bearer token, or null; never printed by {@link #toString()}
 */
public record ChannelSecurity(Path tlsCa, Path tlsCert, Path tlsKey, String token) {
  /** Plaintext, no token. */
  public static final ChannelSecurity NONE = new ChannelSecurity(null, null, null, null);

  public ChannelSecurity {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          "a client certificate needs its key: give --tls-cert and --tls-key together");
    }
    if (token != null) {
      token = token.strip();
      if (token.isEmpty() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
        throw new IllegalArgumentException(
            "token must be printable ASCII without spaces (as in the tokens file)");
      }
    }
  }

  /**
   * The first line of a token file, trimmed: how a service reads its own token from a mounted
   * Secret.
   *
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if the file is empty
   */
  public static String readToken(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
    return lines.stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("token file " + file + " is empty"));
  }

  /** This security with {@code token} sent with every call. */
  public ChannelSecurity withToken(String token) {
    return new ChannelSecurity(tlsCa, tlsCert, tlsKey, token);
  }

  /** Whether the channel speaks TLS. */
  public boolean tls() {
    return tlsCa != null || tlsCert != null;
  }

  /** The interceptors every call goes through: the token's, when there is one. */
  public List<ClientInterceptor> interceptors() {
    return token == null ? List.of() : List.of(new BearerToken("Bearer " + token));
  }

  @Override
  public String toString() {
    return "ChannelSecurity[tlsCa="
        + tlsCa
        + ", tlsCert="
        + tlsCert
        + ", tlsKey="
        + tlsKey
        + ", token="
        + (token == null ? "none" : "(set)")
        + "]";
  }

  /** Adds {@code authorization: Bearer <token>} to every call. */
  private static final class BearerToken implements ClientInterceptor {
    private final String header;

    BearerToken(String header) {
      this.header = header;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          headers.put(BearerTokenInterceptor.AUTHORIZATION, header);
          super.start(listener, headers);
        }
      };
    }
  }
}
