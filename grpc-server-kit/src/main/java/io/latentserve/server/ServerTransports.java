package io.latentserve.server;

import io.grpc.ForwardingServerBuilder;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.latentserve.server.security.ServerSecurity;
import io.latentserve.server.security.ServerTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network transport of a service's gRPC server: Netty on one port, of every interface or of one
 * address, plaintext or TLS. The one place that names a transport, so that a service's server class
 * takes any {@link ServerBuilder} and its tests an in-process one.
 */
public final class ServerTransports {
  private static final Logger log = LoggerFactory.getLogger(ServerTransports.class);

  /** The host that means every interface (the wildcard address, IPv4 and IPv6). */
  public static final String EVERY_INTERFACE = "";

  private ServerTransports() {}

  /**
   * A plain-text (insecure) server builder.
   *
   * @param host the address to bind: {@value #EVERY_INTERFACE} (empty) for every interface, an IP
   *     address (e.g. {@code 127.0.0.2}) or a host name, resolved now to its first address
   * @param port the port; 0 picks a free one
   * @throws IllegalArgumentException if {@code host} or {@code port} is malformed, or {@code host}
   *     does not resolve
   */
  public static ServerBuilder<?> plaintext(String host, int port) {
    return netty(host, port, InsecureServerCredentials.create());
  }

  /**
   * A server builder with the transport security of {@code security}: TLS (or mTLS) whose PEM files
   * are re-read while the server runs, and stop being re-read when it shuts down; plaintext when
   * {@code security} has no certificate. Logs one warning when a plaintext server binds an address
   * other than loopback, where anyone on the network can read and forge its calls.
   *
   * @throws IllegalArgumentException as {@link #plaintext}, or naming a PEM file that cannot be
   *     used
   */
  public static ServerBuilder<?> open(String host, int port, ServerSecurity security) {
    exposureWarning(host, security.tls()).ifPresent(log::warn);
    if (!security.tls()) {
      return plaintext(host, port);
    }
    ServerTls tls = ServerTls.of(security);
    try {
      return new ClosingBuilder(netty(host, port, tls.credentials()), tls);
    } catch (RuntimeException e) {
      tls.close();
      throw e;
    }
  }

  /**
   * The warning a server bound to {@code host} deserves: one when it is plaintext and reachable
   * from other machines (every interface, or an address that is not loopback).
   */
  public static Optional<String> exposureWarning(String host, boolean tls) {
    if (tls || isLoopback(host)) {
      return Optional.empty();
    }
    return Optional.of(
        "plaintext gRPC on "
            + (host.isEmpty() ? "every interface" : host)
            + ": anyone who reaches this port can read and alter calls and their bearer tokens;"
            + " give --tls-cert and --tls-key (LATENTSERVE_TLS_CERT, LATENTSERVE_TLS_KEY), or"
            + " bind --host 127.0.0.1");
  }

  private static boolean isLoopback(String host) {
    if (host.isEmpty()) {
      return false;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static ServerBuilder<?> netty(String host, int port, ServerCredentials credentials) {
    SettingChecks.checkHost("host", host);
    SettingChecks.checkPort("port", port);
    if (host.isEmpty()) {
      return NettyServerBuilder.forPort(port, credentials);
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("host \"" + host + "\" does not resolve to an address", e);
    }
    return NettyServerBuilder.forAddress(new InetSocketAddress(address, port), credentials);
  }

  /** A builder whose server stops re-reading its PEM files once it shuts down. */
  private static final class ClosingBuilder extends ForwardingServerBuilder<ClosingBuilder> {
    private final ServerBuilder<?> delegate;
    private final ServerTls tls;

    ClosingBuilder(ServerBuilder<?> delegate, ServerTls tls) {
      this.delegate = delegate;
      this.tls = tls;
    }

    @Override
    protected ServerBuilder<?> delegate() {
      return delegate;
    }

    @Override
    public Server build() {
      return new ClosingServer(delegate.build(), tls);
    }
  }
}
