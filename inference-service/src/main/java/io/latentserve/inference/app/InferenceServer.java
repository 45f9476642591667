package io.latentserve.inference.app;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.inference.grpc.InferenceGrpcService;
import io.latentserve.proto.v1.InferenceGrpc;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference service's lifecycle: the gRPC server with the Inference service, grpc.health.v1 and
 * server reflection, the model registry with hot reload, and the Prometheus endpoint.
 *
 * <p>Health reports NOT_SERVING (for the whole server and for {@code latentserve.v1.Inference})
 * until the first load of the repository completes, then SERVING. {@link #shutdown()} turns health
 * NOT_SERVING, stops accepting calls, lets calls in flight finish within {@link
 * InferenceConfig#shutdownGrace()}, cancels the rest, and closes every model.
 */
public final class InferenceServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InferenceServer.class);

  /** The health service name of the Inference service. */
  public static final String SERVICE_NAME = InferenceGrpc.SERVICE_NAME;

  private final InferenceConfig config;
  private final InferenceMetrics metrics = new InferenceMetrics();
  private final HealthStatusManager health = new HealthStatusManager();
  private final ActiveCalls activeCalls = new ActiveCalls(SERVICE_NAME);
  private final ModelRegistry registry;
  private final Server server;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile MetricsHttpServer metricsHttp;

  /**
   * A server for {@code config} on a plain-text (insecure) port {@link InferenceConfig#port()}; put
   * TLS in front of it, e.g. in a service mesh.
   */
  public static InferenceServer create(InferenceConfig config) {
    return new InferenceServer(
        config, Grpc.newServerBuilderForPort(config.port(), InsecureServerCredentials.create()));
  }

  /**
   * A server on the given transport, e.g. an in-process one in tests.
   *
   * @param config everything but the port, which the builder already carries
   * @param serverBuilder the transport; this server adds its services, interceptors and limits
   */
  public InferenceServer(InferenceConfig config, ServerBuilder<?> serverBuilder) {
    this(config, serverBuilder, UnaryOperator.identity());
  }

  /** As above, with {@code wrapLoader} around the model loader (tests gate or observe loading). */
  InferenceServer(
      InferenceConfig config,
      ServerBuilder<?> serverBuilder,
      UnaryOperator<ModelLoader> wrapLoader) {
    this.config = Objects.requireNonNull(config, "config");
    ModelLoader loader = wrapLoader.apply(new OnnxModelLoader(config, metrics::batchListener));
    this.registry =
        new ModelRegistry(
            new FileSystemModelRepository(config.modelRepository()),
            loader,
            models -> {
              metrics.onModelsChanged(models);
              markServing();
            });
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
    health.setStatus(SERVICE_NAME, ServingStatus.NOT_SERVING);
    this.server =
        serverBuilder
            .maxInboundMessageSize(config.maxMessageBytes())
            .intercept(metrics.serverInterceptor())
            .intercept(activeCalls)
            .addService(new InferenceGrpcService(registry, metrics.requestListener()))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build();
  }

  /**
   * Binds the gRPC and metrics ports and starts loading the repository in the background.
   *
   * @return this
   * @throws IOException if a port cannot be bound
   */
  public InferenceServer start() throws IOException {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("server already started");
    }
    metricsHttp = MetricsHttpServer.start(config.metricsPort(), metrics::scrape);
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      metricsHttp.close();
      throw e;
    }
    registry.start(config.reloadInterval());
    log.info(
        "inference server listening on port {}, metrics on port {}, repository {}",
        port(),
        metricsPort(),
        config.modelRepository());
    return this;
  }

  private void markServing() {
    if (!stopping.get() && registry.isReady()) {
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
      health.setStatus(SERVICE_NAME, ServingStatus.SERVING);
    }
  }

  /** The bound gRPC port; -1 for a transport without one (in-process). */
  public int port() {
    return server.getPort();
  }

  /** The bound metrics port. */
  public int metricsPort() {
    MetricsHttpServer http = metricsHttp;
    if (http == null) {
      throw new IllegalStateException("server not started");
    }
    return http.port();
  }

  /** The served models. */
  public ModelRegistry models() {
    return registry;
  }

  /** The metrics. */
  public InferenceMetrics metrics() {
    return metrics;
  }

  /**
   * Shuts down gracefully and blocks until done: health NOT_SERVING, no new calls, calls in flight
   * get up to {@link InferenceConfig#shutdownGrace()} to finish before they are cancelled, then
   * every model is closed and the metrics endpoint stopped. Idempotent; concurrent callers wait for
   * the first.
   */
  public void shutdown() {
    if (!stopping.compareAndSet(false, true)) {
      awaitTerminationUninterruptibly();
      return;
    }
    try {
      log.info("shutting down: draining calls for up to {}", config.shutdownGrace());
      health.enterTerminalState();
      server.shutdown();
      if (!awaitInferenceCalls(config.shutdownGrace().toMillis())) {
        log.warn(
            "{} inference calls still running after {}: cancelling them",
            activeCalls.count(),
            config.shutdownGrace());
      }
      // Cancels what is left: stalled streams, and health Watch streams, which never end alone.
      server.shutdownNow();
      if (!awaitServer(5_000)) {
        log.warn("gRPC server did not terminate within 5 s of cancelling its calls");
      }
    } finally {
      registry.close();
      MetricsHttpServer http = metricsHttp;
      if (http != null) {
        http.close();
      }
      terminated.countDown();
      log.info("inference server stopped");
    }
  }

  private boolean awaitInferenceCalls(long millis) {
    try {
      return activeCalls.awaitIdle(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private boolean awaitServer(long millis) {
    try {
      return server.awaitTermination(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Blocks until {@link #shutdown()} has completed. */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  private void awaitTerminationUninterruptibly() {
    boolean interrupted = false;
    while (true) {
      try {
        terminated.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@link #shutdown()}. */
  @Override
  public void close() {
    shutdown();
  }
}
