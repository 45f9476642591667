package io.latentserve.wire;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's table from domain exceptions to the gRPC status a caller sees, the skeleton each
 * service's {@code GrpcErrors} fills in. Entries are tried in the order they were added; the first
 * whose type matches gives the status. In {@link #toStatus}, a {@link StatusRuntimeException} or
 * {@link StatusException} keeps its own status, and anything else is a bug: INTERNAL with a generic
 * description and an incident id, the exception logged under that id and never sent.
 */
public final class ErrorStatuses {
  private static final Logger log = LoggerFactory.getLogger(ErrorStatuses.class);

  private final List<Entry<?>> entries;

  private ErrorStatuses(List<Entry<?>> entries) {
    this.entries = List.copyOf(entries);
  }

  /** An empty table. */
  public static Builder builder() {
    return new Builder();
  }

  /** The status of the first entry that matches {@code error}; empty when none does. */
  public Optional<Status> lookup(Throwable error) {
    for (Entry<?> entry : entries) {
      Optional<Status> status = entry.apply(error);
      if (status.isPresent()) {
        return status;
      }
    }
    return Optional.empty();
  }

  /**
   * The status for {@code error}: a matching entry's, else a status exception's own, else INTERNAL
   * (logged with its incident id).
   */
  public Status toStatus(Throwable error) {
    Optional<Status> status = lookup(error);
    if (status.isPresent()) {
      return status.get();
    }
    if (error instanceof StatusRuntimeException e) {
      return e.getStatus();
    }
    if (error instanceof StatusException e) {
      return e.getStatus();
    }
    return internal(error);
  }

  private static Status internal(Throwable error) {
    String incident = UUID.randomUUID().toString().substring(0, 8);
    log.error("internal error, incident {}", incident, error);
    return Status.INTERNAL.withDescription(
        "internal error, incident " + incident + "; the server log has the details");
  }

  /** Adds entries in the order they are tried. */
  public static final class Builder {
    private final List<Entry<?>> entries = new ArrayList<>();

    private Builder() {}

    /** {@code type} maps to {@code code}, described by the exception's message. */
    public Builder map(Class<? extends Throwable> type, Status.Code code) {
      return map(type, e -> Status.fromCode(code).withDescription(e.getMessage()));
    }

    /** {@code type} maps to the status {@code status} computes from the exception. */
    public <E extends Throwable> Builder map(Class<E> type, Function<? super E, Status> status) {
      entries.add(new Entry<>(type, status));
      return this;
    }

    public ErrorStatuses build() {
      return new ErrorStatuses(entries);
    }
  }

  private record Entry<E extends Throwable>(Class<E> type, Function<? super E, Status> status) {
    Optional<Status> apply(Throwable error) {
      return type.isInstance(error)
          ? Optional.of(status.apply(type.cast(error)))
          : Optional.empty();
    }
  }
}
