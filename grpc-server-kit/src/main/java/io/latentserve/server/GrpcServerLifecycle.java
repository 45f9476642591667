package io.latentserve.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.latentserve.server.security.BearerTokenInterceptor;
import io.latentserve.server.security.MethodRoles;
import io.latentserve.server.security.ServerSecurity;
import io.latentserve.server.security.TokensFile;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of one service's gRPC server: the service with grpc.health.v1, server reflection
 * and a metrics interceptor on the given transport, the Prometheus endpoint on its own port, and a
 * graceful shutdown.
 *
 * <p>Health reports NOT_SERVING (for the whole server and for the service's name) until {@link
 * #markServing()}. {@link #shutdown()} turns health NOT_SERVING for good, stops accepting calls,
 * gives the service's calls in flight (and any {@linkplain Builder#drainAlso other work}) up to the
 * grace period to finish, cancels what is left, including calls of other services such as health
 * Watch streams (which never end alone and so are not waited for), then runs the {@linkplain
 * Builder#onStop stop action} and closes the metrics endpoint. The metrics endpoint's {@code
 * /health} reports the same status over HTTP, for probes that cannot speak TLS.
 *
 * <p>Every method of every service must have a role in the {@linkplain Builder#methodRoles role
 * table} ({@link MethodRoles#LATENTSERVE} unless a test gives its own), or the build fails: with a
 * {@linkplain Builder#security tokens file} each call's bearer token is checked against it.
 *
 * <pre>{@code
 * lifecycle = GrpcServerLifecycle.builder(TrainerGrpc.SERVICE_NAME, serverBuilder)
 *     .addService(new TrainerGrpcService(...))
 *     .metrics(metrics.registry(), config.metricsPort())
 *     .shutdownGrace(config.shutdownGrace())
 *     .onStop(jobs::close)
 *     .build();
 * lifecycle.start();
 * lifecycle.markServing();
 * }</pre>
 */
public final class GrpcServerLifecycle implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcServerLifecycle.class);

  /** How long the server gets to terminate once its remaining calls are cancelled. */
  private static final Duration AFTER_CANCEL = Duration.ofSeconds(5);

  private final String serviceName;
  private final PrometheusMeterRegistry registry;
  private final String metricsHost;
  private final int metricsPort;
  private final Duration shutdownGrace;
  private final Drain drainAlso;
  private final Runnable onStop;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ActiveCalls activeCalls;
  private final Server server;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile boolean serving;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile MetricsHttpServer metricsHttp;

  private GrpcServerLifecycle(Builder b) {
    this.serviceName = b.serviceName;
    this.registry = Objects.requireNonNull(b.registry, "metrics registry");
    this.metricsHost = b.metricsHost;
    this.metricsPort = b.metricsPort;
    this.shutdownGrace = Objects.requireNonNull(b.shutdownGrace, "shutdownGrace");
    this.drainAlso = b.drainAlso;
    this.onStop = b.onStop;
    this.activeCalls = new ActiveCalls(serviceName);
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
    health.setStatus(serviceName, ServingStatus.NOT_SERVING);
    List<ServerServiceDefinition> definitions =
        b.services.stream().map(BindableService::bindService).toList();
    List<String> unmapped = b.methodRoles.unmapped(definitions);
    if (!unmapped.isEmpty()) {
      throw new IllegalStateException(
          "methods without a role: "
              + unmapped
              + "; add each to MethodRoles (grpc-server-kit) with the role a caller needs");
    }
    // Interceptors run in the reverse order of adding: the call counter sees every call first, and
    // metrics count the calls that the token check refuses.
    ServerBuilder<?> sb = b.serverBuilder;
    if (b.security.auth()) {
      TokensFile tokens = TokensFile.open(b.security.authTokens(), TokensFile.DEFAULT_CHECK_EVERY);
      sb = sb.intercept(new BearerTokenInterceptor(tokens::current, b.methodRoles));
    }
    sb = sb.intercept(metricsInterceptor(registry)).intercept(activeCalls);
    for (ServerServiceDefinition service : definitions) {
      sb.addService(service);
    }
    this.server =
        sb.addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build();
  }

  /**
   * A lifecycle builder.
   *
   * @param serviceName the main service's full name, e.g. {@code latentserve.v1.Inference}: its
   *     health status and the calls a shutdown drains
   * @param serverBuilder the transport ({@code Grpc.newServerBuilderForPort}, or an in-process one
   *     in tests) with any transport limits already set; the lifecycle adds services and
   *     interceptors. Interceptors already on it run inside the metrics interceptor.
   */
  public static Builder builder(String serviceName, ServerBuilder<?> serverBuilder) {
    return new Builder(serviceName, serverBuilder);
  }

  /**
   * The interceptor that times every RPC into {@code registry}, with percentile histograms: the
   * {@code grpc_server_*} metrics every service exposes.
   */
  public static MetricCollectingServerInterceptor metricsInterceptor(MeterRegistry registry) {
    return new MetricCollectingServerInterceptor(
        registry, counter -> counter, timer -> timer.publishPercentileHistogram());
  }

  /**
   * Binds the metrics port, then the gRPC port. Health stays NOT_SERVING until {@link
   * #markServing()}.
   *
   * @return this
   * @throws IOException if a port cannot be bound (neither stays bound)
   * @throws IllegalStateException if already started
   */
  public GrpcServerLifecycle start() throws IOException {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("server already started");
    }
    MetricsHttpServer http =
        MetricsHttpServer.start(metricsHost, metricsPort, registry::scrape, () -> serving);
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      http.close();
      throw e;
    }
    metricsHttp = http;
    return this;
  }

  /** Turns health SERVING, unless a shutdown has begun (then it stays NOT_SERVING). */
  public void markServing() {
    if (!stopping.get()) {
      // The service first: a client that sees the whole server SERVING also sees the service so.
      health.setStatus(serviceName, ServingStatus.SERVING);
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
      serving = !stopping.get();
    }
  }

  /** The bound gRPC port; -1 for a transport without one (in-process). */
  public int port() {
    return server.getPort();
  }

  /**
   * The bound metrics port.
   *
   * @throws IllegalStateException if not started
   */
  public int metricsPort() {
    MetricsHttpServer http = metricsHttp;
    if (http == null) {
      throw new IllegalStateException("server not started");
    }
    return http.port();
  }

  /**
   * Shuts down gracefully and blocks until done: health NOT_SERVING, no new calls, the service's
   * calls in flight (and the {@linkplain Builder#drainAlso other work}) get up to the grace period
   * to finish before everything left is cancelled, then the stop action runs and the metrics
   * endpoint closes. Idempotent; concurrent callers wait for the first.
   */
  public void shutdown() {
    if (!stopping.compareAndSet(false, true)) {
      awaitTerminationUninterruptibly();
      return;
    }
    try {
      log.info("{}: shutting down, calls in flight get up to {}", serviceName, shutdownGrace);
      serving = false;
      health.enterTerminalState();
      server.shutdown();
      if (!awaitDrained(shutdownGrace)) {
        log.warn(
            "{}: still busy after {} ({} calls in flight): cancelling",
            serviceName,
            shutdownGrace,
            activeCalls.count());
      }
      // Cancels what is left: stalled calls, and health Watch streams, which never end alone.
      server.shutdownNow();
      if (!awaitStopped(AFTER_CANCEL)) {
        log.warn("{}: did not stop within {} of cancelling its calls", serviceName, AFTER_CANCEL);
      }
    } finally {
      try {
        onStop.run();
      } finally {
        MetricsHttpServer http = metricsHttp;
        if (http != null) {
          http.close();
        }
        terminated.countDown();
        log.info("{}: stopped", serviceName);
      }
    }
  }

  private boolean awaitDrained(Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    try {
      return activeCalls.awaitIdle(timeout) && drainAlso.awaitIdle(left(end));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private boolean awaitStopped(Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    try {
      return server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)
          && drainAlso.awaitIdle(left(end));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Duration left(long endNanos) {
    return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
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

  /** Work a graceful shutdown waits for besides the service's calls, e.g. background jobs. */
  @FunctionalInterface
  public interface Drain {
    /**
     * Waits until the work is done.
     *
     * @return false if work was still running after {@code timeout}
     */
    boolean awaitIdle(Duration timeout) throws InterruptedException;
  }

  /** The parts of a {@link GrpcServerLifecycle}; metrics and shutdown grace are required. */
  public static final class Builder {
    private final String serviceName;
    private final ServerBuilder<?> serverBuilder;
    private final List<BindableService> services = new ArrayList<>();
    private PrometheusMeterRegistry registry;
    private String metricsHost = ServerTransports.EVERY_INTERFACE;
    private int metricsPort = -1;
    private ServerSecurity security = ServerSecurity.NONE;
    private MethodRoles methodRoles = MethodRoles.LATENTSERVE;
    private Duration shutdownGrace;
    private Drain drainAlso = timeout -> true;
    private Runnable onStop = () -> {};

    private Builder(String serviceName, ServerBuilder<?> serverBuilder) {
      this.serviceName = Objects.requireNonNull(serviceName, "serviceName");
      this.serverBuilder = Objects.requireNonNull(serverBuilder, "serverBuilder");
    }

    /** Adds a service, e.g. the one named {@code serviceName}. */
    public Builder addService(BindableService service) {
      services.add(Objects.requireNonNull(service, "service"));
      return this;
    }

    /**
     * Where the metrics go: RPC timings are recorded into {@code registry}, which is scraped on
     * {@code GET http://<host>:<port>/metrics}.
     *
     * @param port the metrics port; 0 picks a free one
     */
    public Builder metrics(PrometheusMeterRegistry registry, int port) {
      return metrics(registry, ServerTransports.EVERY_INTERFACE, port);
    }

    /**
     * As {@link #metrics(PrometheusMeterRegistry, int)}, with {@code /metrics} bound to {@code
     * host} ({@value ServerTransports#EVERY_INTERFACE} (empty) for every interface).
     */
    public Builder metrics(PrometheusMeterRegistry registry, String host, int port) {
      this.registry = Objects.requireNonNull(registry, "registry");
      this.metricsHost = SettingChecks.checkHost("metricsHost", host);
      this.metricsPort = SettingChecks.checkPort("metricsPort", port);
      return this;
    }

    /**
     * Who may call: with {@link ServerSecurity#authTokens()} set, every call but health and
     * reflection needs a bearer token of that file with the role its method needs. (TLS is the
     * transport's: {@link ServerTransports#open}; the metrics address is {@link #metrics}'s.)
     */
    public Builder security(ServerSecurity security) {
      this.security = Objects.requireNonNull(security, "security");
      return this;
    }

    /** The role each method needs; {@link MethodRoles#LATENTSERVE} unless set. */
    public Builder methodRoles(MethodRoles methodRoles) {
      this.methodRoles = Objects.requireNonNull(methodRoles, "methodRoles");
      return this;
    }

    /** How long calls in flight may run after a shutdown begins; must be >= 0. */
    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = SettingChecks.checkNonNegative("shutdownGrace", shutdownGrace);
      return this;
    }

    /**
     * Work a shutdown also waits for, within the same grace period, after the service's calls have
     * ended; and again for up to 5 s once the rest is cancelled.
     */
    public Builder drainAlso(Drain drain) {
      this.drainAlso = Objects.requireNonNull(drain, "drain");
      return this;
    }

    /** Runs once the server has stopped (or failed to), e.g. to close models or channels. */
    public Builder onStop(Runnable onStop) {
      this.onStop = Objects.requireNonNull(onStop, "onStop");
      return this;
    }

    /**
     * Adds the services, health, reflection and the interceptors to the transport and builds the
     * server (not yet started).
     *
     * @throws NullPointerException if metrics or the shutdown grace were not given
     * @throws IllegalStateException if a method of a service has no role in the role table
     * @throws IllegalArgumentException if the tokens file is malformed
     * @throws java.io.UncheckedIOException if the tokens file cannot be read
     */
    public GrpcServerLifecycle build() {
      return new GrpcServerLifecycle(this);
    }
  }
}
