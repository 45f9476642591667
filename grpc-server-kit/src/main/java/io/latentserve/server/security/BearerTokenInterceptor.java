package io.latentserve.server.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Checks every call's bearer token ({@code authorization: Bearer <token>}) against the tokens in
 * force and the role its method needs in {@link MethodRoles}, the way grpc-java's JWT example does:
 * no or an unknown token is UNAUTHENTICATED, a token without the method's role is PERMISSION_DENIED
 * naming the role, a method without a role is PERMISSION_DENIED for everyone. Health and reflection
 * pass without a token. An accepted call runs with its {@link Caller} in the {@link Context}.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
  /** The header the token travels in. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String BEARER = "bearer ";

  private final Supplier<BearerTokens> tokens;
  private final MethodRoles roles;

  /**
   * @param tokens the tokens in force, asked on every call (e.g. {@link TokensFile#current()})
   * @param roles the role each method needs
   */
  public BearerTokenInterceptor(Supplier<BearerTokens> tokens, MethodRoles roles) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.roles = Objects.requireNonNull(roles, "roles");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (MethodRoles.isOpen(method)) {
      return next.startCall(call, headers);
    }
    String header = headers.get(AUTHORIZATION);
    if (header == null) {
      return refuse(
          call,
          Status.UNAUTHENTICATED.withDescription(
              method + " needs a bearer token: send metadata \"authorization: Bearer <token>\""));
    }
    if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return refuse(
          call,
          Status.UNAUTHENTICATED.withDescription(
              "authorization metadata must be \"Bearer <token>\", got scheme \""
                  + scheme(header)
                  + "\""));
    }
    Optional<Caller> caller = tokens.get().find(header.substring(BEARER.length()).strip());
    if (caller.isEmpty()) {
      return refuse(
          call, Status.UNAUTHENTICATED.withDescription("bearer token is not a known token"));
    }
    Optional<Role> needed = roles.required(method);
    if (needed.isEmpty()) {
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription(
              method + " has no role in the server's role table, so it is denied to every token"));
    }
    if (!caller.get().roles().contains(needed.get())) {
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription(
              method
                  + " needs role "
                  + needed.get().label()
                  + "; the token of "
                  + caller.get().subject()
                  + " has "
                  + labels(caller.get())));
    }
    return Contexts.interceptCall(caller.get().attachTo(Context.current()), call, headers, next);
  }

  /** The scheme word of a header, never its credentials. */
  private static String scheme(String header) {
    int space = header.indexOf(' ');
    String word = space < 0 ? "" : header.substring(0, space);
    return word.length() > 20 ? word.substring(0, 20) + "..." : word.toLowerCase(Locale.ROOT);
  }

  private static String labels(Caller caller) {
    return caller.roles().stream()
        .map(Role::label)
        .sorted()
        .reduce((a, b) -> a + "," + b)
        .orElse("no role");
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
