package io.latentserve.cli;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.latentserve.server.security.ChannelSecurity;
import io.latentserve.server.security.ChannelTls;
import java.util.Locale;
import java.util.Optional;

/**
 * Channels from the CLI to the services. A call that cannot reach its service fails with a
 * description that names the service and the address, so that "UNAVAILABLE: io exception" reads
 * "cannot reach evaluator-service at localhost:50053 (io exception)".
 */
final class ServiceChannels {
  private ServiceChannels() {}

  /**
   * Opens a plaintext channel without a token.
   *
   * @param service the service's name as users know it, e.g. {@code "evaluator-service"}
   * @param target a gRPC target: HOST:PORT, or any name the default resolvers accept
   */
  static ManagedChannel open(String service, String target) {
    return open(service, target, ChannelSecurity.NONE);
  }

  /**
   * Opens a channel with {@code security}'s TLS (its PEM files read once, now) and bearer token.
   *
   * @throws CliException naming a PEM file that cannot be used
   */
  static ManagedChannel open(String service, String target, ChannelSecurity security) {
    ChannelTls tls;
    try {
      tls = ChannelTls.of(security, null);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage(), e);
    }
    plaintextTokenWarning(target, security).ifPresent(System.err::println);
    return Grpc.newChannelBuilder(target, tls.credentials())
        .maxInboundMessageSize(64 << 20)
        .intercept(security.interceptors())
        .intercept(new NamingUnavailable(service, target))
        .build();
  }

  /**
   * A warning when a bearer token would travel in plaintext beyond this machine: anyone on the path
   * could read it and call with its role. Empty over TLS, without a token, or to a loopback target.
   */
  static Optional<String> plaintextTokenWarning(String target, ChannelSecurity security) {
    if (security.token() == null || security.tls() || loopback(target)) {
      return Optional.empty();
    }
    return Optional.of(
        "latentserve: warning: sending a bearer token to "
            + target
            + " without TLS, readable by anyone on the path; give --tls-ca (the server's CA)");
  }

  /** Whether {@code target}'s host is this machine: localhost, 127.0.0.0/8 or ::1. */
  private static boolean loopback(String target) {
    String t = target.toLowerCase(Locale.ROOT);
    int scheme = t.indexOf(":///");
    if (scheme >= 0) {
      t = t.substring(scheme + 4);
    }
    String host;
    if (t.startsWith("[")) {
      host = t.substring(1, Math.max(1, t.indexOf(']')));
    } else {
      int colon = t.lastIndexOf(':');
      host = colon >= 0 && t.indexOf(':') == colon ? t.substring(0, colon) : t;
    }
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  private record NamingUnavailable(String service, String target) implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                  super.onClose(unreachable(status) ? named(status) : status, trailers);
                }
              },
              headers);
        }
      };
    }

    /**
     * Whether this channel could not reach its service. An UNAVAILABLE that the service itself sent
     * (e.g. the evaluator saying inference-service is down) carries no cause and keeps its own
     * words; one raised by this side's transport carries the transport's exception.
     */
    private static boolean unreachable(Status status) {
      return status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null;
    }

    private Status named(Status status) {
      return Status.UNAVAILABLE
          .withDescription(
              "cannot reach "
                  + service
                  + " at "
                  + target
                  + " ("
                  + status.getDescription()
                  + "); is it running?")
          .withCause(status.getCause());
    }
  }
}
