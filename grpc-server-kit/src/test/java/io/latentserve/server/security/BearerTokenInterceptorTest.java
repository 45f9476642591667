package io.latentserve.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.latentserve.server.GrpcServerLifecycle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle with a tokens file, on an in-process transport, answering each kind of caller. */
class BearerTokenInterceptorTest {
  private static final String READER = "r".repeat(40);
  private static final String TRAINER = "t".repeat(40);
  private static final String BOTH = "b".repeat(40);

  @TempDir Path dir;

  private final String name = InProcessServerBuilder.generateName();
  private final ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
  private GrpcServerLifecycle lifecycle;

  @BeforeEach
  void start() throws IOException {
    Path tokens = dir.resolve("tokens");
    Files.writeString(
        tokens,
        "# token roles subject\n"
            + READER
            + " read dashboards\n"
            + TRAINER
            + "\ttrain   ci-pipeline\n\n"
            + BOTH
            + " train,read alice\n");
    lifecycle =
        GrpcServerLifecycle.builder(EchoService.SERVICE, InProcessServerBuilder.forName(name))
            .addService(new EchoService(false))
            .metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 0)
            .shutdownGrace(Duration.ZERO)
            .security(new ServerSecurity(null, null, null, tokens, null))
            .methodRoles(EchoService.roles())
            .build()
            .start();
    lifecycle.markServing();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    lifecycle.shutdown();
  }

  private String call(MethodDescriptor<String, String> method, String authorization) {
    Channel ch = channel;
    if (authorization != null) {
      Metadata headers = new Metadata();
      headers.put(BearerTokenInterceptor.AUTHORIZATION, authorization);
      ch =
          ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return ClientCalls.blockingUnaryCall(
        ch, method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "hi");
  }

  private static Status failure(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void call_withoutToken_unauthenticated() {
    Status status = failure(() -> call(EchoService.READ, null));

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription())
        .isEqualTo(
            "test.v1.Echo/Read needs a bearer token: send metadata \"authorization: Bearer"
                + " <token>\"");
  }

  @Test
  void call_unknownToken_unauthenticatedWithoutEchoingIt() {
    String guess = "x".repeat(40);
    Status status = failure(() -> call(EchoService.READ, "Bearer " + guess));

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).isEqualTo("bearer token is not a known token");
  }

  @Test
  void call_otherScheme_unauthenticatedNamingTheScheme() {
    Status status = failure(() -> call(EchoService.READ, "Basic " + READER));

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("got scheme \"basic\"").doesNotContain(READER);
  }

  @Test
  void call_tokenWithoutTheRole_permissionDeniedNamingTheRole() {
    Status status = failure(() -> call(EchoService.TRAIN, "Bearer " + READER));

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription())
        .isEqualTo("test.v1.Echo/Train needs role train; the token of dashboards has read");
  }

  @Test
  void call_trainDoesNotImplyRead_permissionDenied() {
    Status status = failure(() -> call(EchoService.READ, "Bearer " + TRAINER));

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("needs role read");
  }

  @Test
  void call_rightRole_okWithTheSubjectInTheContext() {
    assertThat(call(EchoService.READ, "Bearer " + READER)).isEqualTo("dashboards");
    assertThat(call(EchoService.TRAIN, "bearer " + TRAINER)).isEqualTo("ci-pipeline");
    assertThat(call(EchoService.READ, "Bearer " + BOTH)).isEqualTo("alice");
    assertThat(call(EchoService.TRAIN, "Bearer " + BOTH)).isEqualTo("alice");
  }

  @Test
  void call_methodWithoutRole_deniedToEveryToken() throws Exception {
    String other = InProcessServerBuilder.generateName();
    Server server =
        InProcessServerBuilder.forName(other)
            .addService(
                ServerInterceptors.intercept(
                    new EchoService(true),
                    new BearerTokenInterceptor(
                        () -> BearerTokens.parse("t", List.of(BOTH + " train,read,evaluate a")),
                        EchoService.roles())))
            .build()
            .start();
    ManagedChannel ch = InProcessChannelBuilder.forName(other).build();
    try {
      Metadata headers = new Metadata();
      headers.put(BearerTokenInterceptor.AUTHORIZATION, "Bearer " + BOTH);
      Channel authorized =
          ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(headers));
      Status status =
          failure(
              () ->
                  ClientCalls.blockingUnaryCall(
                      authorized, EchoService.UNLISTED, CallOptions.DEFAULT, "hi"));

      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(status.getDescription())
          .isEqualTo(
              "test.v1.Echo/Unlisted has no role in the server's role table, so it is denied to"
                  + " every token");
      assertThat(
              ClientCalls.blockingUnaryCall(
                  authorized, EchoService.READ, CallOptions.DEFAULT, "hi"))
          .isEqualTo("a");
    } finally {
      ch.shutdownNow();
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void build_serviceWithAMethodWithoutRole_failsNamingIt() {
    GrpcServerLifecycle.Builder builder =
        GrpcServerLifecycle.builder(
                EchoService.SERVICE, InProcessServerBuilder.forName(name + "-3"))
            .addService(new EchoService(true))
            .metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 0)
            .shutdownGrace(Duration.ZERO)
            .methodRoles(EchoService.roles());

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("methods without a role: [test.v1.Echo/Unlisted]");
  }

  @Test
  void healthAndReflection_withoutToken_open() throws Exception {
    ServingStatus health =
        HealthGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance())
            .getStatus();
    assertThat(health).isEqualTo(ServingStatus.SERVING);

    CompletableFuture<ServerReflectionResponse> reply = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    reply.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    reply.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    assertThat(reply.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
        .extracting(s -> s.getName())
        .contains("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
  }

  @Test
  void tokensFileChanged_newTokenAcceptedOldOneRefused() throws Exception {
    Path tokens = dir.resolve("tokens2");
    Files.writeString(tokens, READER + " read before\n");
    TokensFile file = TokensFile.open(tokens, Duration.ZERO);
    assertThat(file.current().find(READER)).map(Caller::subject).contains("before");

    String next = "n".repeat(40);
    Path tmp = dir.resolve("tokens2.tmp");
    Files.writeString(tmp, next + " read after\n");
    Files.setLastModifiedTime(
        tmp,
        java.nio.file.attribute.FileTime.fromMillis(
            Files.getLastModifiedTime(tokens).toMillis() + 2000));
    Files.move(tmp, tokens, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThat(file.current().find(next)).map(Caller::subject).contains("after");
    assertThat(file.current().find(READER)).isEmpty();
  }

  @Test
  void tokensFileChangedToGarbage_keepsTheTokensReadBefore() throws Exception {
    Path tokens = dir.resolve("tokens3");
    Files.writeString(tokens, READER + " read before\n");
    TokensFile file = TokensFile.open(tokens, Duration.ZERO);

    Files.writeString(tokens, "not a tokens line\n");
    Files.setLastModifiedTime(
        tokens, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 2000));

    assertThat(file.current().find(READER)).map(Caller::subject).contains("before");
  }

  @Test
  void build_malformedTokensFile_failsNamingTheLine() throws IOException {
    Path bad = dir.resolve("bad");
    Files.writeString(bad, READER + " read ok\n" + "y".repeat(40) + " admin mallory\n");

    assertThatThrownBy(
            () ->
                GrpcServerLifecycle.builder(
                        EchoService.SERVICE, InProcessServerBuilder.forName(name + "-2"))
                    .addService(new EchoService(false))
                    .metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 0)
                    .shutdownGrace(Duration.ZERO)
                    .security(new ServerSecurity(null, null, null, bad, null))
                    .methodRoles(EchoService.roles())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tokens file "
                + bad
                + " line 2: unknown role \"admin\": expected read, evaluate or train");
  }
}
