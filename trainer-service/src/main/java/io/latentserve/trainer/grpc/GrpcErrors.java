package io.latentserve.trainer.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.trainer.core.CapacityExceededException;
import io.latentserve.trainer.core.DatasetUnavailableException;
import io.latentserve.trainer.core.InvalidSpecException;
import io.latentserve.trainer.core.JobConflictException;
import io.latentserve.trainer.core.JobNotFoundException;
import io.latentserve.trainer.core.JobStateException;
import io.latentserve.trainer.core.SpecTooLargeException;
import io.latentserve.trainer.core.TrainerUnavailableException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the trainer's exceptions to the gRPC status a caller sees.
 *
 * <ul>
 *   <li>{@link InvalidSpecException}: INVALID_ARGUMENT, its message naming the field
 *   <li>{@link SpecTooLargeException}, {@link CapacityExceededException}: RESOURCE_EXHAUSTED
 *   <li>{@link JobConflictException}: ALREADY_EXISTS
 *   <li>{@link JobNotFoundException}: NOT_FOUND
 *   <li>{@link JobStateException}, {@link DatasetUnavailableException}: FAILED_PRECONDITION
 *   <li>{@link TrainerUnavailableException}: UNAVAILABLE
 *   <li>a {@link StatusRuntimeException}: its own status
 *   <li>anything else: INTERNAL with a generic description and an incident id; the exception is
 *       logged under that id, never sent
 * </ul>
 */
public final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  public static StatusRuntimeException toStatusException(Throwable error) {
    return toStatus(error).asRuntimeException();
  }

  public static Status toStatus(Throwable error) {
    if (error instanceof SpecTooLargeException || error instanceof CapacityExceededException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(error.getMessage());
    }
    if (error instanceof InvalidSpecException) {
      return Status.INVALID_ARGUMENT.withDescription(error.getMessage());
    }
    if (error instanceof JobConflictException) {
      return Status.ALREADY_EXISTS.withDescription(error.getMessage());
    }
    if (error instanceof JobNotFoundException) {
      return Status.NOT_FOUND.withDescription(error.getMessage());
    }
    if (error instanceof JobStateException || error instanceof DatasetUnavailableException) {
      return Status.FAILED_PRECONDITION.withDescription(error.getMessage());
    }
    if (error instanceof TrainerUnavailableException) {
      return Status.UNAVAILABLE.withDescription(error.getMessage());
    }
    if (error instanceof StatusRuntimeException e) {
      return e.getStatus();
    }
    String incident = UUID.randomUUID().toString().substring(0, 8);
    log.error("internal error, incident {}", incident, error);
    return Status.INTERNAL.withDescription(
        "internal error, incident " + incident + "; the server log has the details");
  }
}
