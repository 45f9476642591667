package io.latentserve.evaluator.grpc;

import io.grpc.Context;
import io.grpc.Status;
import io.latentserve.evaluator.core.DatasetException;
import io.latentserve.evaluator.core.EvaluationCancelledException;
import io.latentserve.evaluator.core.InferenceException;
import io.latentserve.evaluator.core.InvalidEvaluationException;
import io.latentserve.wire.ErrorStatuses;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the core's exceptions to gRPC statuses. Descriptions are the exceptions' messages, written
 * for callers; anything unexpected becomes INTERNAL with a generic text and is logged here.
 */
final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  /**
   * The status for a failed evaluation.
   *
   * @param context the call's context: when it was cancelled or its deadline passed, that decides
   */
  static Status toStatus(Throwable t, Context context, String evaluationId) {
    if (context.isCancelled()) {
      Throwable cause = context.cancellationCause();
      if (cause instanceof TimeoutException) {
        return Status.DEADLINE_EXCEEDED.withDescription(
            "evaluation " + evaluationId + " did not finish within the call's deadline");
      }
      return Status.CANCELLED.withDescription("evaluation " + evaluationId + " was cancelled");
    }
    return ErrorStatuses.builder()
        .map(InvalidEvaluationException.class, Status.Code.INVALID_ARGUMENT)
        .map(EvaluationCancelledException.class, Status.Code.CANCELLED)
        .map(DatasetException.class, e -> datasetStatus(e, evaluationId))
        .map(InferenceException.class, e -> inferenceStatus(e, evaluationId))
        .build()
        .lookup(t)
        .orElseGet(
            () -> {
              log.error("evaluation {} failed", evaluationId, t);
              return Status.INTERNAL.withDescription(
                  "evaluation " + evaluationId + " failed internally");
            });
  }

  private static Status datasetStatus(DatasetException e, String evaluationId) {
    return switch (e.reason()) {
      case NOT_FOUND -> Status.NOT_FOUND.withDescription(e.getMessage());
      case NOT_AVAILABLE -> Status.FAILED_PRECONDITION.withDescription(e.getMessage());
      case UNREADABLE -> {
        log.error("dataset unreadable in evaluation {}", evaluationId, e);
        yield Status.INTERNAL.withDescription(e.getMessage());
      }
    };
  }

  private static Status inferenceStatus(InferenceException e, String evaluationId) {
    return switch (e.reason()) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT.withDescription(e.getMessage());
      case NOT_FOUND -> Status.NOT_FOUND.withDescription(e.getMessage());
      case UNAVAILABLE -> Status.UNAVAILABLE.withDescription(e.getMessage());
      case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED.withDescription(e.getMessage());
      case CANCELLED -> Status.CANCELLED.withDescription(e.getMessage());
      case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
      case INTERNAL -> {
        log.error("inference failed in evaluation {}", evaluationId, e);
        yield Status.INTERNAL.withDescription(
            "evaluation " + evaluationId + " failed: the inference service answered wrongly");
      }
    };
  }
}
