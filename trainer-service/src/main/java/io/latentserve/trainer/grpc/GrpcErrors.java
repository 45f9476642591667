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
import io.latentserve.trainer.core.SweepNotFoundException;
import io.latentserve.trainer.core.TrainerUnavailableException;
import io.latentserve.wire.ErrorStatuses;

/**
 * Maps the trainer's exceptions to the gRPC status a caller sees.
 *
 * <ul>
 *   <li>{@link InvalidSpecException}: INVALID_ARGUMENT, its message naming the field
 *   <li>{@link SpecTooLargeException}, {@link CapacityExceededException}: RESOURCE_EXHAUSTED
 *   <li>{@link JobConflictException}: ALREADY_EXISTS
 *   <li>{@link JobNotFoundException}, {@link SweepNotFoundException}: NOT_FOUND
 *   <li>{@link JobStateException}, {@link DatasetUnavailableException}: FAILED_PRECONDITION
 *   <li>{@link TrainerUnavailableException}: UNAVAILABLE
 *   <li>a {@link StatusRuntimeException}: its own status
 *   <li>anything else: INTERNAL with a generic description and an incident id; the exception is
 *       logged under that id, never sent
 * </ul>
 */
public final class GrpcErrors {
  private static final ErrorStatuses STATUSES =
      ErrorStatuses.builder()
          .map(SpecTooLargeException.class, Status.Code.RESOURCE_EXHAUSTED)
          .map(CapacityExceededException.class, Status.Code.RESOURCE_EXHAUSTED)
          .map(InvalidSpecException.class, Status.Code.INVALID_ARGUMENT)
          .map(JobConflictException.class, Status.Code.ALREADY_EXISTS)
          .map(JobNotFoundException.class, Status.Code.NOT_FOUND)
          .map(SweepNotFoundException.class, Status.Code.NOT_FOUND)
          .map(JobStateException.class, Status.Code.FAILED_PRECONDITION)
          .map(DatasetUnavailableException.class, Status.Code.FAILED_PRECONDITION)
          .map(TrainerUnavailableException.class, Status.Code.UNAVAILABLE)
          .build();

  private GrpcErrors() {}

  public static StatusRuntimeException toStatusException(Throwable error) {
    return toStatus(error).asRuntimeException();
  }

  public static Status toStatus(Throwable error) {
    return STATUSES.toStatus(error);
  }
}
