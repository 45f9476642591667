package io.latentserve.evaluator.client;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns the configured target into a gRPC channel target: {@code scheme:///...} URIs pass through
 * (e.g. {@code dns:///inference:50051}); one {@code host:port} or a comma-separated list of them
 * becomes {@value #SCHEME}{@code :///h1:p1,h2:p2}, served by a static name resolver that returns
 * every address at once, so that round-robin spreads calls over all of them.
 */
final class InferenceTargets {
  /** The scheme of the static-list resolver. */
  static final String SCHEME = "latentserve-static";

  private static final Pattern URI_TARGET = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:///.*");
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[a-zA-Z0-9.-]+):([0-9]{1,5})");

  private static volatile boolean registered;

  private InferenceTargets() {}

  /** Throws {@link IllegalArgumentException} unless {@code target} is a URI or host:port list. */
  static void validate(String target) {
    if (target.isBlank()) {
      throw new IllegalArgumentException("inference target must not be blank");
    }
    if (URI_TARGET.matcher(target).matches()) {
      return;
    }
    for (String part : target.split(",", -1)) {
      var m = HOST_PORT.matcher(part.trim());
      if (!m.matches() || Integer.parseInt(m.group(2)) > 65535) {
        throw new IllegalArgumentException(
            "inference target must be host:port, a comma-separated list of them or a URI such as"
                + " dns:///host:port, got '"
                + target
                + "'");
      }
    }
  }

  /** The channel target for a configured target, registering the static resolver if needed. */
  static String channelTarget(String target) {
    validate(target);
    if (URI_TARGET.matcher(target).matches()) {
      return target;
    }
    registerStaticResolver();
    return SCHEME + ":///" + target.replace(" ", "");
  }

  private static synchronized void registerStaticResolver() {
    if (!registered) {
      NameResolverRegistry.getDefaultRegistry().register(new StaticResolverProvider());
      registered = true;
    }
  }

  static List<InetSocketAddress> parseList(String list) {
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (String part : list.split(",")) {
      var m = HOST_PORT.matcher(part.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException("not host:port: " + part);
      }
      String host = m.group(1);
      if (host.startsWith("[")) {
        host = host.substring(1, host.length() - 1);
      }
      addresses.add(new InetSocketAddress(host, Integer.parseInt(m.group(2))));
    }
    return addresses;
  }

  /** Resolves {@value #SCHEME}:///h1:p1,h2:p2 to those addresses, one group each. */
  static final class StaticResolverProvider extends NameResolverProvider {
    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
    }

    @Override
    public String getDefaultScheme() {
      return SCHEME;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
      return List.of(InetSocketAddress.class);
    }

    @Override
    public NameResolver newNameResolver(URI uri, NameResolver.Args args) {
      if (!SCHEME.equals(uri.getScheme())) {
        return null;
      }
      String path = uri.getPath();
      String list = path.startsWith("/") ? path.substring(1) : path;
      return new NameResolver() {
        private Listener2 listener;

        @Override
        public String getServiceAuthority() {
          return list.split(",")[0];
        }

        @Override
        public void start(Listener2 listener) {
          this.listener = listener;
          resolve();
        }

        @Override
        public void refresh() {
          resolve();
        }

        private void resolve() {
          List<EquivalentAddressGroup> groups = new ArrayList<>();
          try {
            for (InetSocketAddress address : parseList(list)) {
              groups.add(new EquivalentAddressGroup(address));
            }
          } catch (IllegalArgumentException e) {
            listener.onError(Status.UNAVAILABLE.withDescription(e.getMessage()));
            return;
          }
          listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
        }

        @Override
        public void shutdown() {}
      };
    }
  }
}
