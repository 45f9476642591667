package io.latentserve.server.security;

import io.grpc.Context;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who made the current call, as their bearer token says: put in the gRPC {@link Context} by {@link
 * BearerTokenInterceptor}, read by a service with {@link #current()} (e.g. to record who published
 * a model). Never holds the token itself.
 *
 * @param subject the token's subject from the tokens file, e.g. {@code alice} or {@code
 *     ci-pipeline}
 * @param roles what the token allows
 */
public record Caller(String subject, Set<Role> roles) {
  private static final Context.Key<Caller> KEY = Context.key("latentserve-caller");

  public Caller {
    Objects.requireNonNull(subject, "subject");
    roles = Set.copyOf(roles);
  }

  /** The caller of the call this thread serves; empty when auth is off (no tokens file). */
  public static Optional<Caller> current() {
    return Optional.ofNullable(KEY.get());
  }

  /** The subject of {@link #current()}, or empty. */
  public static Optional<String> currentSubject() {
    return current().map(Caller::subject);
  }

  /** {@code context} with this caller in it. */
  Context attachTo(Context context) {
    return context.withValue(KEY, this);
  }
}
