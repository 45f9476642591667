package io.latentserve.server.security;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A test service of unary methods {@code test.v1.Echo/Read}, {@code /Train} and, if asked for,
 * {@code /Unlisted}, each answering with the caller's subject as the service sees it ("anonymous"
 * without one).
 */
final class EchoService implements BindableService {
  static final String SERVICE = "test.v1.Echo";
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
  static final MethodDescriptor<String, String> READ = method("Read");
  static final MethodDescriptor<String, String> TRAIN = method("Train");
  static final MethodDescriptor<String, String> UNLISTED = method("Unlisted");

  private static MethodDescriptor<String, String> method(String name) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  /** The table of the two listed methods; {@code Unlisted} has no role. */
  static MethodRoles roles() {
    return MethodRoles.of(
        java.util.Map.of(
            READ.getFullMethodName(), Role.READ, TRAIN.getFullMethodName(), Role.TRAIN));
  }

  private final boolean withUnlisted;

  /**
   * @param withUnlisted whether to serve {@code Unlisted}, the method without a role
   */
  EchoService(boolean withUnlisted) {
    this.withUnlisted = withUnlisted;
  }

  @Override
  public ServerServiceDefinition bindService() {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(SERVICE);
    List<MethodDescriptor<String, String>> methods =
        withUnlisted ? List.of(READ, TRAIN, UNLISTED) : List.of(READ, TRAIN);
    for (MethodDescriptor<String, String> m : methods) {
      b.addMethod(
          m,
          ServerCalls.asyncUnaryCall(
              (request, response) -> {
                response.onNext(Caller.currentSubject().orElse("anonymous"));
                response.onCompleted();
              }));
    }
    return b.build();
  }
}
