package io.latentserve.evaluator.app;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.latentserve.evaluator.client.GrpcInferenceClient;
import io.latentserve.evaluator.core.DatasetSource;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.grpc.EvaluatorGrpcService;
import io.latentserve.evaluator.report.ReportStore;
import io.latentserve.proto.v1.EvaluatorGrpc;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluator service's lifecycle: the gRPC server with the Evaluator service, grpc.health.v1 and
 * server reflection, the inference client, the report store and the Prometheus endpoint.
 *
 * <p>Health is SERVING once started. {@link #shutdown()} turns it NOT_SERVING, stops accepting
 * calls, lets running evaluations finish within {@link EvaluatorConfig#shutdownGrace()}, cancels
 * the rest, and closes the inference channel.
 */
public final class EvaluatorServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EvaluatorServer.class);

  /** The health service name of the Evaluator service. */
  public static final String SERVICE_NAME = EvaluatorGrpc.SERVICE_NAME;

  private final EvaluatorConfig config;
  private final EvaluatorMetrics metrics = new EvaluatorMetrics();
  private final HealthStatusManager health = new HealthStatusManager();
  private final InferenceClient inference;
  private final ExecutorService evaluations;
  private final ExecutorService inferenceCalls;
  private final EvaluatorGrpcService service;
  private final Server server;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile MetricsHttpServer metricsHttp;

  /** A server on a plain-text port {@link EvaluatorConfig#port()}, reading catalogued data. */
  public static EvaluatorServer create(EvaluatorConfig config) {
    return new EvaluatorServer(
        config,
        Grpc.newServerBuilderForPort(config.port(), InsecureServerCredentials.create()),
        new CatalogDatasetSource(config.dataDir()));
  }

  /**
   * A server on the given transport, e.g. an in-process one in tests.
   *
   * @param config everything but the port, which the builder already carries
   * @param serverBuilder the transport; this server adds its services and interceptors
   * @param datasets where catalogued evaluation data comes from
   */
  public EvaluatorServer(
      EvaluatorConfig config, ServerBuilder<?> serverBuilder, DatasetSource datasets) {
    this.config = Objects.requireNonNull(config, "config");
    this.inference = GrpcInferenceClient.connect(config.inferenceClient(), metrics);
    this.evaluations =
        Executors.newFixedThreadPool(config.maxConcurrentEvaluations(), threads("evaluation"));
    this.inferenceCalls =
        Executors.newFixedThreadPool(
            config.maxConcurrentEvaluations() * config.parallelCalls(), threads("inference-call"));
    Evaluator evaluator =
        new Evaluator(inference, datasets, config.evaluatorOptions(), Clock.systemUTC());
    this.service =
        new EvaluatorGrpcService(
            evaluator,
            new ReportStore(config.reportsDir()),
            evaluations,
            inferenceCalls,
            config.maxConcurrentEvaluations(),
            metrics,
            Clock.systemUTC());
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
    health.setStatus(SERVICE_NAME, ServingStatus.NOT_SERVING);
    this.server =
        serverBuilder
            .intercept(metrics.serverInterceptor())
            .addService(service)
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build();
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Binds the gRPC and metrics ports and turns health SERVING.
   *
   * @return this
   * @throws IOException if a port cannot be bound
   */
  public EvaluatorServer start() throws IOException {
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
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    health.setStatus(SERVICE_NAME, ServingStatus.SERVING);
    log.info(
        "evaluator listening on port {}, metrics on port {}, inference at {}, reports in {}",
        port(),
        metricsPort(),
        config.inferenceTarget(),
        config.reportsDir().toAbsolutePath());
    return this;
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

  public EvaluatorMetrics metrics() {
    return metrics;
  }

  /** The Evaluator service, e.g. to wait until no evaluation runs. */
  public EvaluatorGrpcService service() {
    return service;
  }

  /**
   * Shuts down gracefully and blocks until done. Idempotent; concurrent callers wait for the first.
   */
  public void shutdown() {
    if (!stopping.compareAndSet(false, true)) {
      awaitTerminationUninterruptibly();
      return;
    }
    try {
      log.info("shutting down: evaluations get up to {} to finish", config.shutdownGrace());
      health.enterTerminalState();
      server.shutdown();
      if (!await(config.shutdownGrace())) {
        log.warn("evaluations still running after {}: cancelling them", config.shutdownGrace());
        server.shutdownNow();
        await(Duration.ofSeconds(5));
      }
    } finally {
      evaluations.shutdownNow();
      inferenceCalls.shutdownNow();
      inference.close();
      MetricsHttpServer http = metricsHttp;
      if (http != null) {
        http.close();
      }
      terminated.countDown();
      log.info("evaluator stopped");
    }
  }

  private boolean await(Duration timeout) {
    try {
      return server.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)
          && service.awaitIdle(Duration.ofMillis(Math.max(1, timeout.toMillis())));
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

  @Override
  public void close() {
    shutdown();
  }
}
