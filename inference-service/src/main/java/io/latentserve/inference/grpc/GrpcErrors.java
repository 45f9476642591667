package io.latentserve.inference.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.latentserve.inference.core.CatalogUnavailableException;
import io.latentserve.inference.core.FailedPreconditionException;
import io.latentserve.inference.core.InferenceFailedException;
import io.latentserve.inference.core.InvalidInputException;
import io.latentserve.inference.core.LimitExceededException;
import io.latentserve.inference.core.LoadTimeoutException;
import io.latentserve.inference.core.ModelNotFoundException;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.inference.core.QueueFullException;
import io.latentserve.wire.ErrorStatuses;

/**
 * Maps exceptions to the gRPC status a caller sees.
 *
 * <ul>
 *   <li>{@link InvalidInputException}: INVALID_ARGUMENT with its message (field, expected, actual)
 *   <li>{@link ModelNotFoundException}: NOT_FOUND with its message (what is loaded)
 *   <li>{@link FailedPreconditionException}: FAILED_PRECONDITION (e.g. a version that failed to
 *       load)
 *   <li>{@link LimitExceededException}, {@link QueueFullException}: RESOURCE_EXHAUSTED
 *   <li>{@link ModelUnavailableException}, {@link CatalogUnavailableException}: UNAVAILABLE
 *   <li>{@link LoadTimeoutException}: DEADLINE_EXCEEDED (the model still loading at the deadline)
 *   <li>a {@link StatusRuntimeException} or {@link StatusException}: its own status
 *   <li>anything else, {@link InferenceFailedException} included: INTERNAL with a generic
 *       description and an incident id; the exception is logged under that id, never sent
 * </ul>
 */
public final class GrpcErrors {
  private static final ErrorStatuses STATUSES =
      ErrorStatuses.builder()
          .map(InvalidInputException.class, Status.Code.INVALID_ARGUMENT)
          .map(ModelNotFoundException.class, Status.Code.NOT_FOUND)
          .map(FailedPreconditionException.class, Status.Code.FAILED_PRECONDITION)
          .map(LimitExceededException.class, Status.Code.RESOURCE_EXHAUSTED)
          .map(QueueFullException.class, Status.Code.RESOURCE_EXHAUSTED)
          .map(ModelUnavailableException.class, Status.Code.UNAVAILABLE)
          .map(CatalogUnavailableException.class, Status.Code.UNAVAILABLE)
          .map(LoadTimeoutException.class, Status.Code.DEADLINE_EXCEEDED)
          .build();

  private GrpcErrors() {}

  /**
   * The trailer of gRFC A6 by which a server tells a client that a retry may succeed after the
   * given milliseconds. Sent with the RESOURCE_EXHAUSTED of a momentary limit (a full queue, busy
   * stream slots) and never with that of a fixed one (rows per request, k): clients such as the
   * evaluator retry the first on another replica and give up on the second at once.
   */
  public static final Metadata.Key<String> RETRY_PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  /** How long a client should wait before retrying a momentary RESOURCE_EXHAUSTED. */
  static final long PUSHBACK_MILLIS = 20;

  /** The status for {@code error}, ready for {@code StreamObserver.onError}. */
  public static StatusRuntimeException toStatusException(Throwable error) {
    Status status = toStatus(error);
    if (error instanceof QueueFullException) {
      Metadata trailers = new Metadata();
      trailers.put(RETRY_PUSHBACK, Long.toString(PUSHBACK_MILLIS));
      return status.asRuntimeException(trailers);
    }
    return status.asRuntimeException();
  }

  /** The status for {@code error}; logs the ones that map to INTERNAL. */
  public static Status toStatus(Throwable error) {
    return STATUSES.toStatus(error);
  }
}
