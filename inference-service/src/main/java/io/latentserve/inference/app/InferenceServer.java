package io.latentserve.inference.app;

import io.grpc.ServerBuilder;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.inference.core.ModelLoader;
import io.latentserve.inference.core.ModelRegistry;
import io.latentserve.inference.grpc.ImportanceStreams;
import io.latentserve.inference.grpc.InferenceGrpcService;
import io.latentserve.inference.grpc.KServeGrpcService;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.server.GrpcServerLifecycle;
import io.latentserve.server.ServerTransports;
import java.io.IOException;
import java.util.Objects;
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
  private final ModelRegistry registry;
  private final ImportanceStreams streams;
  private final GrpcServerLifecycle lifecycle;

  /**
   * A server for {@code config} on port {@link InferenceConfig#port()} of {@link
   * InferenceConfig#host()}, plaintext or TLS as {@link InferenceConfig#security()} says.
   */
  public static InferenceServer create(InferenceConfig config) {
    return new InferenceServer(
        config, ServerTransports.open(config.host(), config.port(), config.security()));
  }

  /**
   * A server on the given transport, e.g. an in-process one in tests.
   *
   * @param config everything but the host and port, which the builder already carries
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
    this.streams =
        new ImportanceStreams(config.maxImportanceStreams(), config.streamStallTimeout());
    metrics.memoryBudget(config.memoryBudgetBytes());
    ModelLoader loader = wrapLoader.apply(new OnnxModelLoader(config, metrics::batchListener));
    this.registry =
        new ModelRegistry(
            new FileSystemModelRepository(config.modelRepository()),
            loader,
            config.registryConfig(),
            new ProcessMemory(),
            metrics.registryListener(),
            models -> {
              metrics.onModelsChanged(models);
              markServing();
            });
    this.lifecycle =
        GrpcServerLifecycle.builder(
                SERVICE_NAME, serverBuilder.maxInboundMessageSize(config.maxMessageBytes()))
            .addService(new InferenceGrpcService(registry, metrics.requestListener(), streams))
            .addService(
                new KServeGrpcService(
                    registry,
                    registry::isReady,
                    metrics.requestListener(),
                    config.maxMessageBytes(),
                    streams))
            .metrics(
                metrics.registry(),
                config.security().metricsHostOr(config.host()),
                config.metricsPort())
            .security(config.security())
            .shutdownGrace(config.shutdownGrace())
            .onStop(
                () -> {
                  streams.close();
                  registry.close();
                })
            .build();
  }

  /**
   * Binds the gRPC and metrics ports and starts loading the repository in the background.
   *
   * @return this
   * @throws IOException if a port cannot be bound
   */
  public InferenceServer start() throws IOException {
    lifecycle.start();
    registry.start(config.reloadInterval());
    log.info(
        "inference server listening on port {}, metrics on port {}, repository {}",
        port(),
        metricsPort(),
        config.modelRepository());
    return this;
  }

  private void markServing() {
    if (registry.isReady()) {
      lifecycle.markServing();
    }
  }

  /** The bound gRPC port; -1 for a transport without one (in-process). */
  public int port() {
    return lifecycle.port();
  }

  /** The bound metrics port. */
  public int metricsPort() {
    return lifecycle.metricsPort();
  }

  /** The served models. */
  public ModelRegistry models() {
    return registry;
  }

  /** Where ImportanceWeights streams run, and how many do now. */
  public ImportanceStreams importanceStreams() {
    return streams;
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
    lifecycle.shutdown();
  }

  /** Blocks until {@link #shutdown()} has completed. */
  public void awaitTermination() throws InterruptedException {
    lifecycle.awaitTermination();
  }

  /** {@link #shutdown()}. */
  @Override
  public void close() {
    shutdown();
  }
}
