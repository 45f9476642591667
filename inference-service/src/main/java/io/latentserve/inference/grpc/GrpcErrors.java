package io.latentserve.inference.grpc;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.latentserve.inference.core.InferenceFailedException;
import io.latentserve.inference.core.InvalidInputException;
import io.latentserve.inference.core.LimitExceededException;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.inference.core.QueueFullException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *   <li>a {@link StatusRuntimeException} or {@link StatusException}: its own status
 *   <li>anything else, {@link InferenceFailedException} included: INTERNAL with a generic
 *       description and an incident id; the exception is logged under that id, never sent
 * </ul>
 */
public final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  /** The status for {@code error}, ready for {@code StreamObserver.onError}. */
  public static StatusRuntimeException toStatusException(Throwable error) {
    return toStatus(error).asRuntimeException();
  }

  /** The status for {@code error}; logs the ones that map to INTERNAL. */
  public static Status toStatus(Throwable error) {
    if (error instanceof InvalidInputException) {
      return Status.INVALID_ARGUMENT.withDescription(error.getMessage());
    }
    if (error instanceof ModelNotFoundException) {
      return Status.NOT_FOUND.withDescription(error.getMessage());
    }
    if (error instanceof FailedPreconditionException) {
      return Status.FAILED_PRECONDITION.withDescription(error.getMessage());
    }
    if (error instanceof LimitExceededException || error instanceof QueueFullException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(error.getMessage());
    }
    if (error instanceof ModelUnavailableException
        || error instanceof CatalogUnavailableException) {
      return Status.UNAVAILABLE.withDescription(error.getMessage());
    }
    if (error instanceof StatusRuntimeException e) {
      return e.getStatus();
    }
    if (error instanceof StatusException e) {
      return e.getStatus();
    }
    String incident = UUID.randomUUID().toString().substring(0, 8);
    log.error("internal error, incident {}", incident, error);
    return Status.INTERNAL.withDescription(
        "internal error, incident " + incident + "; the server log has the details");
  }
}
