package io.latentserve.server;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The network transport of a service's gRPC server: plain-text Netty on one port, of every
 * interface or of one address. The one place that names a transport, so that a service's server
 * class takes any {@link ServerBuilder} and its tests an in-process one.
 */
public final class ServerTransports {
  /** The host that means every interface (the wildcard address, IPv4 and IPv6). */
  public static final String EVERY_INTERFACE = "";

  private ServerTransports() {}

  /**
   * A plain-text (insecure) server builder; put TLS in front of it, e.g. in a service mesh.
   *
   * @param host the address to bind: {@value #EVERY_INTERFACE} (empty) for every interface, an IP
   *     address (e.g. {@code 127.0.0.2}) or a host name, resolved now to its first address
   * @param port the port; 0 picks a free one
   * @throws IllegalArgumentException if {@code host} or {@code port} is malformed, or {@code host}
   *     does not resolve
   */
  public static ServerBuilder<?> plaintext(String host, int port) {
    SettingChecks.checkHost("host", host);
    SettingChecks.checkPort("port", port);
    if (host.isEmpty()) {
      return NettyServerBuilder.forPort(port, InsecureServerCredentials.create());
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("host \"" + host + "\" does not resolve to an address", e);
    }
    return NettyServerBuilder.forAddress(
        new InetSocketAddress(address, port), InsecureServerCredentials.create());
  }
}
