package io.latentserve.evaluator.app;

import io.grpc.ServerBuilder;
import io.latentserve.evaluator.client.GrpcInferenceClient;
import io.latentserve.evaluator.core.DatasetSource;
import io.latentserve.evaluator.core.EvaluationService;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.grpc.EvaluatorGrpcService;
import io.latentserve.evaluator.probes.TribuoLinearProbe;
import io.latentserve.evaluator.report.ReportStore;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.server.GrpcServerLifecycle;
import io.latentserve.server.ServerTransports;
import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
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
  private final InferenceClient inference;
  private final ExecutorService evaluations;
  private final ExecutorService inferenceCalls;
  private final EvaluationService evaluationService;
  private final GrpcServerLifecycle lifecycle;

  /**
   * A server on port {@link EvaluatorConfig#port()} of {@link EvaluatorConfig#host()} (plaintext or
   * TLS as {@link EvaluatorConfig#security()} says), reading catalogued data.
   */
  public static EvaluatorServer create(EvaluatorConfig config) {
    return new EvaluatorServer(
        config,
        ServerTransports.open(config.host(), config.port(), config.security()),
        new CatalogDatasetSource(config.dataDir()));
  }

  /**
   * A server on the given transport, e.g. an in-process one in tests.
   *
   * @param config everything but the host and port, which the builder already carries
   * @param serverBuilder the transport; this server adds its services and interceptors
   * @param datasets where catalogued evaluation data comes from
   */
  public EvaluatorServer(
      EvaluatorConfig config, ServerBuilder<?> serverBuilder, DatasetSource datasets) {
    this.config = Objects.requireNonNull(config, "config");
    this.inference =
        GrpcInferenceClient.connect(
            config.inferenceClient(), config.inferenceSecurity().channelSecurity(), metrics);
    this.evaluations =
        Executors.newFixedThreadPool(config.maxConcurrentEvaluations(), threads("evaluation"));
    this.inferenceCalls =
        Executors.newFixedThreadPool(
            config.maxConcurrentEvaluations() * config.parallelCalls(), threads("inference-call"));
    Evaluator evaluator =
        new Evaluator(
            inference,
            datasets,
            config.evaluatorOptions(),
            Clock.systemUTC(),
            new TribuoLinearProbe());
    this.evaluationService =
        new EvaluationService(
            evaluator,
            new ReportStore(config.reportsDir()),
            evaluations,
            inferenceCalls,
            config.maxConcurrentEvaluations(),
            metrics,
            Clock.systemUTC());
    this.lifecycle =
        GrpcServerLifecycle.builder(SERVICE_NAME, serverBuilder)
            .addService(new EvaluatorGrpcService(evaluationService))
            .metrics(
                metrics.registry(),
                config.security().metricsHostOr(config.host()),
                config.metricsPort())
            .security(config.security())
            .shutdownGrace(config.shutdownGrace())
            .drainAlso(evaluationService::awaitIdle)
            .onStop(this::closeClients)
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
    lifecycle.start();
    lifecycle.markServing();
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
    return lifecycle.port();
  }

  /** The bound metrics port. */
  public int metricsPort() {
    return lifecycle.metricsPort();
  }

  public EvaluatorMetrics metrics() {
    return metrics;
  }

  /** The evaluations, e.g. to wait until none runs. */
  public EvaluationService evaluationService() {
    return evaluationService;
  }

  /**
   * Shuts down gracefully and blocks until done: health NOT_SERVING, no new calls, running
   * evaluations get up to {@link EvaluatorConfig#shutdownGrace()} to finish before they are
   * cancelled, then the inference channel is closed. Idempotent; concurrent callers wait for the
   * first.
   */
  public void shutdown() {
    lifecycle.shutdown();
  }

  private void closeClients() {
    evaluations.shutdownNow();
    inferenceCalls.shutdownNow();
    inference.close();
  }

  /** Blocks until {@link #shutdown()} has completed. */
  public void awaitTermination() throws InterruptedException {
    lifecycle.awaitTermination();
  }

  @Override
  public void close() {
    shutdown();
  }
}
