package io.latentserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.latentserve.server.security.MethodRoles;
import io.latentserve.server.security.Role;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The lifecycle around a one-method test service on an in-process transport. */
class GrpcServerLifecycleTest {
  private static final String SERVICE = "test.v1.Worker";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
  private static final MethodDescriptor<String, String> WORK =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Work"))
          .setRequestMarshaller(UTF8)
          .setResponseMarshaller(UTF8)
          .build();

  private final String name = InProcessServerBuilder.generateName();
  private final ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<String> events = new CopyOnWriteArrayList<>();
  private GrpcServerLifecycle lifecycle;

  @AfterEach
  void tearDown() throws InterruptedException {
    release.countDown();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    if (lifecycle != null) {
      lifecycle.shutdown();
    }
  }

  /** Answers "done:<request>" once {@link #release} opens or the call is cancelled. */
  private BindableService worker() {
    return () ->
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(
                WORK,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      Context context = Context.current();
                      context.addListener(c -> release.countDown(), Runnable::run);
                      entered.countDown();
                      awaitLatch(release);
                      if (!context.isCancelled()) {
                        response.onNext("done:" + request);
                        response.onCompleted();
                      }
                    }))
            .build();
  }

  private GrpcServerLifecycle.Builder lifecycle(Duration grace) {
    return GrpcServerLifecycle.builder(SERVICE, InProcessServerBuilder.forName(name))
        .addService(worker())
        .metrics(registry, 0)
        .methodRoles(MethodRoles.of(Map.of(WORK.getFullMethodName(), Role.READ)))
        .shutdownGrace(grace)
        .onStop(() -> events.add("stop"));
  }

  private GrpcServerLifecycle start(GrpcServerLifecycle.Builder builder) throws IOException {
    lifecycle = builder.build().start();
    return lifecycle;
  }

  @Test
  void health_untilMarkServing_notServingThenServing() throws IOException {
    start(lifecycle(WAIT));

    assertThat(healthStatus("")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(healthStatus(SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);

    lifecycle.markServing();

    assertThat(healthStatus("")).isEqualTo(ServingStatus.SERVING);
    assertThat(healthStatus(SERVICE)).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void reflection_listsTheHealthService() throws Exception {
    start(lifecycle(WAIT));
    CompletableFuture<ServerReflectionResponse> response = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel).serverReflectionInfo(observer(response));
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();

    assertThat(
            response
                .get(WAIT.toSeconds(), TimeUnit.SECONDS)
                .getListServicesResponse()
                .getServiceList())
        .extracting(ServiceResponse::getName)
        .contains(HealthGrpc.SERVICE_NAME);
  }

  /** The HTTP twin of grpc.health.v1 on the metrics port, for probes that cannot speak TLS. */
  @Test
  void httpHealth_untilMarkServing_503Then200() throws Exception {
    start(lifecycle(WAIT));
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpRequest get =
        java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + lifecycle.metricsPort() + "/health"))
            .timeout(WAIT)
            .build();

    var before = http.send(get, java.net.http.HttpResponse.BodyHandlers.ofString());
    lifecycle.markServing();
    var after = http.send(get, java.net.http.HttpResponse.BodyHandlers.ofString());

    assertThat(before.statusCode()).isEqualTo(503);
    assertThat(before.body()).isEqualTo("NOT_SERVING\n");
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.body()).isEqualTo("SERVING\n");
  }

  @Test
  void metrics_afterACall_scrapeHasTheCallsTimings() throws Exception {
    start(lifecycle(WAIT));
    release.countDown();
    assertThat(work("a").get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done:a");

    URI endpoint = URI.create("http://127.0.0.1:" + lifecycle.metricsPort() + "/metrics");
    String body =
        assertTimeoutPreemptively(
            WAIT,
            () -> {
              try (InputStream in = endpoint.toURL().openStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
              }
            });

    assertThat(body.lines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("grpc_server_processing_duration_seconds_bucket{")
                    .contains("method=\"Work\"", "service=\"" + SERVICE + "\"")
                    .contains("statusCode=\"OK\""));
  }

  @Test
  void shutdown_callInFlight_refusesNewCallsAndLetsItFinish() throws Exception {
    start(lifecycle(WAIT));
    lifecycle.markServing();
    CompletableFuture<String> call = work("a");
    assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> shutdown = CompletableFuture.runAsync(lifecycle::shutdown);
    awaitCondition("new calls to be refused", () -> refused(() -> healthStatus("")));

    assertThat(shutdown).isNotDone();
    assertThat(events).isEmpty();
    release.countDown();
    assertThat(call.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done:a");
    shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(events).containsExactly("stop");
  }

  @Test
  void shutdown_callStalledPastGrace_cancelsItAndStops() throws Exception {
    start(lifecycle(Duration.ofMillis(100)));
    CompletableFuture<String> call = work("a");
    assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    assertTimeoutPreemptively(WAIT, lifecycle::shutdown);

    assertThatThrownBy(() -> call.get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getCode())
                    .isIn(Status.Code.CANCELLED, Status.Code.UNAVAILABLE));
    assertThat(events).containsExactly("stop");
  }

  @Test
  void shutdown_healthWatchOpen_doesNotWaitOutTheGracePeriod() throws IOException {
    start(lifecycle(Duration.ofMinutes(5)));
    lifecycle.markServing();
    List<ServingStatus> seen = new CopyOnWriteArrayList<>();
    HealthGrpc.newStub(channel)
        .watch(
            HealthCheckRequest.newBuilder().setService("").build(),
            new StreamObserver<>() {
              @Override
              public void onNext(HealthCheckResponse value) {
                seen.add(value.getStatus());
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    awaitCondition("the watch to start", () -> !seen.isEmpty());

    // Only the service's calls are drained; the never-ending watch is cancelled at once.
    assertTimeoutPreemptively(Duration.ofSeconds(60), lifecycle::shutdown);

    assertThat(seen).startsWith(ServingStatus.SERVING);
  }

  @Test
  void shutdown_otherWorkNeverIdle_isAwaitedWithinTheGraceThenAgainAfterCancelling()
      throws IOException {
    Duration grace = Duration.ofSeconds(3);
    List<Duration> timeouts = new CopyOnWriteArrayList<>();
    start(
        lifecycle(grace)
            .drainAlso(
                timeout -> {
                  timeouts.add(timeout);
                  events.add("drain");
                  return false;
                }));

    lifecycle.shutdown();

    assertThat(events).containsExactly("drain", "drain", "stop");
    assertThat(timeouts.get(0)).isLessThanOrEqualTo(grace);
    assertThat(timeouts.get(1)).isLessThanOrEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void shutdown_twice_stopsOnce() throws IOException {
    start(lifecycle(WAIT));

    lifecycle.shutdown();
    lifecycle.shutdown();

    assertThat(events).containsExactly("stop");
  }

  @Test
  void start_twice_throws() throws IOException {
    start(lifecycle(WAIT));

    assertThatThrownBy(lifecycle::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("server already started");
  }

  @Test
  void start_grpcTransportFails_releasesTheMetricsPort() throws IOException {
    int metricsPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      metricsPort = probe.getLocalPort();
    }
    start(lifecycle(WAIT));
    // A second server under the same in-process name cannot start.
    GrpcServerLifecycle clash = lifecycle(WAIT).metrics(registry, metricsPort).build();

    assertThatThrownBy(clash::start).isInstanceOf(IOException.class);

    assertThatThrownBy(clash::metricsPort).isInstanceOf(IllegalStateException.class);
    try (ServerSocket rebind = new ServerSocket(metricsPort)) {
      assertThat(rebind.getLocalPort()).isEqualTo(metricsPort);
    }
  }

  @Test
  void build_withoutMetrics_throws() {
    GrpcServerLifecycle.Builder builder =
        GrpcServerLifecycle.builder(SERVICE, InProcessServerBuilder.forName(name))
            .shutdownGrace(WAIT);

    assertThatThrownBy(builder::build).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder.shutdownGrace(Duration.ofSeconds(-1)))
        .hasMessageContaining("shutdownGrace must be >= 0");
  }

  private ServingStatus healthStatus(String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  private CompletableFuture<String> work(String request) {
    CompletableFuture<String> result = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        channel.newCall(WORK, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
        request,
        observer(result));
    return result;
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<T> result) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        result.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static boolean refused(Runnable call) {
    try {
      call.run();
      return false;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() == Status.Code.UNAVAILABLE;
    }
  }

  private static void awaitCondition(String what, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(WAIT);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("test latch never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
