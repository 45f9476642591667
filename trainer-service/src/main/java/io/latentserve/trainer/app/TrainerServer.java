package io.latentserve.trainer.app;

import io.grpc.ServerBuilder;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.server.GrpcServerLifecycle;
import io.latentserve.server.ServerTransports;
import io.latentserve.trainer.core.BundlePublisher;
import io.latentserve.trainer.core.DatasetSource;
import io.latentserve.trainer.core.FileJobStore;
import io.latentserve.trainer.core.JobManager;
import io.latentserve.trainer.core.SweepManager;
import io.latentserve.trainer.core.TrainingBackend;
import io.latentserve.trainer.grpc.TrainerGrpcService;
import io.latentserve.trainer.onnx.OnnxModelExporter;
import io.latentserve.trainer.samediff.SameDiffBackend;
import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer service's lifecycle: the gRPC server with the Trainer service, grpc.health.v1 and
 * server reflection, the job manager and the Prometheus endpoint.
 *
 * <p>Health is SERVING once started, after the stored jobs have been loaded (queued and running
 * ones are queued again and resume from their checkpoints). {@link #shutdown()} first stops the
 * running jobs at their next step boundary (checkpointed, left queued for the next start) and ends
 * every WatchJob stream with UNAVAILABLE, then turns health NOT_SERVING, stops accepting calls and
 * lets calls in flight finish within {@link TrainerConfig#shutdownGrace()}.
 */
public final class TrainerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrainerServer.class);

  /** The health service name of the Trainer service. */
  public static final String SERVICE_NAME = TrainerGrpc.SERVICE_NAME;

  private final TrainerConfig config;
  private final TrainerMetrics metrics = new TrainerMetrics();
  private final JobManager jobs;
  private final SweepManager sweeps;
  private final GrpcServerLifecycle lifecycle;

  /**
   * A server on port {@link TrainerConfig#port()} of {@link TrainerConfig#host()} (plaintext or TLS
   * as {@link TrainerConfig#security()} says), training with SameDiff on catalogued data.
   */
  public static TrainerServer create(TrainerConfig config) {
    return new TrainerServer(
        config,
        ServerTransports.open(config.host(), config.port(), config.security()),
        new CatalogDatasetSource(config.dataDir()),
        new SameDiffBackend());
  }

  /**
   * A server on the given transport, e.g. an in-process one in tests.
   *
   * @param config everything but the host and port, which the builder already carries
   * @param serverBuilder the transport; this server adds its services and interceptors
   * @param datasets where training data comes from
   * @param backend the training engine
   */
  public TrainerServer(
      TrainerConfig config,
      ServerBuilder<?> serverBuilder,
      DatasetSource datasets,
      TrainingBackend backend) {
    this.config = Objects.requireNonNull(config, "config");
    FileJobStore store = new FileJobStore(config.jobsDir());
    this.jobs =
        new JobManager(
            store,
            datasets,
            backend,
            new BundlePublisher(
                new FileSystemModelRepository(config.modelRepository()), new OnnxModelExporter()),
            config.jobOptions(),
            metrics,
            Clock.systemUTC(),
            new HaltOnFatalError());
    metrics.bind(jobs);
    this.sweeps =
        new SweepManager(
            store,
            jobs,
            config.jobOptions().concurrency(),
            config.maxSweepPoints(),
            Clock.systemUTC());
    this.lifecycle =
        GrpcServerLifecycle.builder(SERVICE_NAME, serverBuilder)
            .addService(new TrainerGrpcService(jobs, sweeps))
            .metrics(
                metrics.registry(),
                config.security().metricsHostOr(config.host()),
                config.metricsPort())
            .security(config.security())
            .shutdownGrace(config.shutdownGrace())
            .drainAlso(jobs::awaitIdle)
            .build();
  }

  /**
   * Loads the stored jobs, binds the gRPC and metrics ports and turns health SERVING.
   *
   * @return this
   * @throws IOException if a port cannot be bound
   */
  public TrainerServer start() throws IOException {
    jobs.start();
    sweeps.start();
    try {
      lifecycle.start();
    } catch (IOException | RuntimeException e) {
      sweeps.shutdown();
      jobs.shutdown(config.shutdownGrace());
      throw e;
    }
    lifecycle.markServing();
    log.info(
        "trainer listening on port {}, metrics on port {}, publishing into {}, jobs in {}",
        port(),
        metricsPort(),
        config.modelRepository().toAbsolutePath(),
        config.jobsDir().toAbsolutePath());
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

  public TrainerMetrics metrics() {
    return metrics;
  }

  /** The sweep manager, e.g. to wait for a sweep in tests. */
  public SweepManager sweeps() {
    return sweeps;
  }

  /** The job manager, e.g. to wait for a job in tests. */
  public JobManager jobs() {
    return jobs;
  }

  /**
   * Shuts down gracefully and blocks until done: running jobs stop at their next step boundary
   * (checkpointed, resumed by the next start), watch streams end with UNAVAILABLE, health turns
   * NOT_SERVING, no new calls, calls in flight get up to {@link TrainerConfig#shutdownGrace()}.
   * Idempotent; concurrent callers wait for the first.
   */
  public void shutdown() {
    sweeps.shutdown();
    jobs.shutdown(config.shutdownGrace());
    lifecycle.shutdown();
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
