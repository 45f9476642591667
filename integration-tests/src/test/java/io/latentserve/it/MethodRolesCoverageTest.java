package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.latentserve.evaluator.app.EvaluatorConfig;
import io.latentserve.evaluator.app.EvaluatorServer;
import io.latentserve.inference.app.InferenceConfig;
import io.latentserve.inference.app.InferenceServer;
import io.latentserve.server.security.MethodRoles;
import io.latentserve.trainer.app.TrainerConfig;
import io.latentserve.trainer.app.TrainerServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every method that each of the three servers serves, as its own server reflection lists it, has a
 * role in {@link MethodRoles}: a new RPC (or a new service on a server) without its line fails
 * here, and the server refuses to build (so a method can never go out open by accident).
 */
class MethodRolesCoverageTest {
  @TempDir Path dir;

  private final List<AutoCloseable> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    for (AutoCloseable s : servers) {
      s.close();
    }
  }

  @Test
  void inference_everyServedMethod_hasARole() throws Exception {
    InferenceServer server =
        InferenceServer.create(
                InferenceConfig.builder()
                    .host("127.0.0.1")
                    .port(0)
                    .metricsPort(0)
                    .modelRepository(dir.resolve("models"))
                    .build())
            .start();
    servers.add(server);

    assertEveryMethodHasARole(server.port(), "latentserve.v1.Inference");
  }

  @Test
  void trainer_everyServedMethod_hasARole() throws Exception {
    TrainerServer server =
        TrainerServer.create(
                TrainerConfig.builder()
                    .host("127.0.0.1")
                    .port(0)
                    .metricsPort(0)
                    .modelRepository(dir.resolve("models"))
                    .dataDir(dir.resolve("data"))
                    .jobsDir(dir.resolve("jobs"))
                    .build())
            .start();
    servers.add(server);

    assertEveryMethodHasARole(server.port(), "latentserve.v1.Trainer");
  }

  @Test
  void evaluator_everyServedMethod_hasARole() throws Exception {
    EvaluatorServer server =
        EvaluatorServer.create(
                EvaluatorConfig.builder()
                    .host("127.0.0.1")
                    .port(0)
                    .metricsPort(0)
                    .reportsDir(dir.resolve("reports"))
                    .dataDir(dir.resolve("data"))
                    .build())
            .start();
    servers.add(server);

    assertEveryMethodHasARole(server.port(), "latentserve.v1.Evaluator");
  }

  private void assertEveryMethodHasARole(int port, String mainService) throws Exception {
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(channel);
    List<String> services =
        ask(channel, ServerReflectionRequest.newBuilder().setListServices("").build())
            .getListServicesResponse()
            .getServiceList()
            .stream()
            .map(ServiceResponse::getName)
            .toList();
    assertThat(services).contains(mainService);

    List<String> methods = new ArrayList<>();
    for (String service : services) {
      ServerReflectionResponse files =
          ask(
              channel,
              ServerReflectionRequest.newBuilder().setFileContainingSymbol(service).build());
      for (var bytes : files.getFileDescriptorResponse().getFileDescriptorProtoList()) {
        FileDescriptorProto file = parse(bytes.toByteArray());
        for (ServiceDescriptorProto s : file.getServiceList()) {
          String fullName =
              file.getPackage().isEmpty() ? s.getName() : file.getPackage() + "." + s.getName();
          if (!fullName.equals(service)) {
            continue;
          }
          for (MethodDescriptorProto m : s.getMethodList()) {
            methods.add(fullName + "/" + m.getName());
          }
        }
      }
    }

    assertThat(methods).anyMatch(m -> m.startsWith(mainService + "/"));
    assertThat(methods)
        .filteredOn(m -> !MethodRoles.isOpen(m))
        .allSatisfy(
            m ->
                assertThat(MethodRoles.LATENTSERVE.required(m))
                    .as("the role of %s in MethodRoles (grpc-server-kit)", m)
                    .isPresent());
  }

  private static FileDescriptorProto parse(byte[] bytes) {
    try {
      return FileDescriptorProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("reflection sent a malformed file descriptor", e);
    }
  }

  private static ServerReflectionResponse ask(
      ManagedChannel channel, ServerReflectionRequest request) throws Exception {
    CompletableFuture<ServerReflectionResponse> reply = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
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
    requests.onNext(request);
    requests.onCompleted();
    return reply.get(30, TimeUnit.SECONDS);
  }
}
