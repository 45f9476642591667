package io.latentserve.server;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server that closes a resource of its transport (the TLS files' reloading) when it shuts down;
 * no new handshake can need it then.
 */
final class ClosingServer extends Server {
  private final Server delegate;
  private final AutoCloseable resource;

  ClosingServer(Server delegate, AutoCloseable resource) {
    this.delegate = delegate;
    this.resource = resource;
  }

  @Override
  public Server start() throws IOException {
    try {
      delegate.start();
    } catch (IOException | RuntimeException e) {
      closeResource();
      throw e;
    }
    return this;
  }

  @Override
  public int getPort() {
    return delegate.getPort();
  }

  @Override
  public List<? extends SocketAddress> getListenSockets() {
    return delegate.getListenSockets();
  }

  @Override
  public List<ServerServiceDefinition> getServices() {
    return delegate.getServices();
  }

  @Override
  public List<ServerServiceDefinition> getImmutableServices() {
    return delegate.getImmutableServices();
  }

  @Override
  public List<ServerServiceDefinition> getMutableServices() {
    return delegate.getMutableServices();
  }

  @Override
  public Server shutdown() {
    delegate.shutdown();
    closeResource();
    return this;
  }

  @Override
  public Server shutdownNow() {
    delegate.shutdownNow();
    closeResource();
    return this;
  }

  @Override
  public boolean isShutdown() {
    return delegate.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return delegate.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return delegate.awaitTermination(timeout, unit);
  }

  @Override
  public void awaitTermination() throws InterruptedException {
    delegate.awaitTermination();
  }

  private void closeResource() {
    try {
      resource.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot close the transport's resources", e);
    }
  }
}
