package io.latentserve.inference.app;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.latentserve.inference.core.ModelLoader;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ModelRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** An inference server on an in-process transport over a real repository, and a channel to it. */
final class TestServer implements AutoCloseable {
  static final Duration DEADLINE = Duration.ofSeconds(60);

  final InferenceServer server;
  final ManagedChannel channel;

  private TestServer(InferenceServer server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
  }

  /** Test settings: CPU, batching on, 8 rows per request, free metrics port, fast reload. */
  static InferenceConfig.Builder config(Path repository) {
    return InferenceConfig.builder()
        .port(0)
        .metricsPort(0)
        .modelRepository(repository)
        .device("cpu")
        .intraOpThreads(1)
        .maxRowsPerRequest(8)
        .reloadInterval(Duration.ofMillis(100))
        .shutdownGrace(Duration.ofSeconds(5));
  }

  static TestServer start(InferenceConfig config) {
    return start(config, UnaryOperator.identity());
  }

  static TestServer start(InferenceConfig config, UnaryOperator<ModelLoader> wrapLoader) {
    String name = InProcessServerBuilder.generateName();
    InferenceServer server =
        new InferenceServer(config, InProcessServerBuilder.forName(name), wrapLoader);
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TestServer(server, InProcessChannelBuilder.forName(name).build());
  }

  InferenceGrpc.InferenceBlockingStub inference() {
    return InferenceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  HealthGrpc.HealthBlockingStub health() {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  ServingStatus healthStatus(String service) {
    return health().check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  /**
   * Blocks until health reports SERVING, following the Watch stream (no polling), then cancels the
   * watch so that it does not hold up a graceful shutdown.
   */
  TestServer awaitServing() {
    Context.CancellableContext watch = Context.current().withCancellation();
    try {
      watch.run(
          () -> {
            Iterator<HealthCheckResponse> updates =
                health().watch(HealthCheckRequest.newBuilder().setService("").build());
            while (updates.next().getStatus() != ServingStatus.SERVING) {
              // wait for the next update
            }
          });
    } finally {
      watch.cancel(null);
    }
    return this;
  }

  static ModelRef ref(String name, long version) {
    return ModelRef.newBuilder().setName(name).setVersion(version).build();
  }

  /**
   * Polls {@code condition} until it holds or {@code timeout} passes.
   *
   * @throws AssertionError naming {@code what} on timeout
   */
  static void awaitCondition(Duration timeout, String what, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdown();
  }
}
