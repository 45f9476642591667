package io.latentserve.inference.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.latentserve.inference.core.CatalogUnavailableException;
import io.latentserve.inference.core.FailedPreconditionException;
import io.latentserve.inference.core.InferenceFailedException;
import io.latentserve.inference.core.InvalidInputException;
import io.latentserve.inference.core.LimitExceededException;
import io.latentserve.inference.core.ModelNotFoundException;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.inference.core.QueueFullException;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {

  @Test
  void toStatus_invalidInput_isInvalidArgumentWithMessage() {
    Status s = GrpcErrors.toStatus(new InvalidInputException("x", "x has 3 features, expects 4"));

    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).isEqualTo("x has 3 features, expects 4");
  }

  @Test
  void toStatus_domainExceptions_mapToTheirCodes() {
    assertThat(GrpcErrors.toStatus(new ModelNotFoundException("no m")).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(GrpcErrors.toStatus(new FailedPreconditionException("broken")).getCode())
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(GrpcErrors.toStatus(new LimitExceededException("k", 5, 6, "k is 6")).getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(GrpcErrors.toStatus(new QueueFullException("full")).getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(GrpcErrors.toStatus(new ModelUnavailableException("closed")).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(GrpcErrors.toStatus(new CatalogUnavailableException("loading")).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
    Status passedThrough =
        GrpcErrors.toStatus(Status.DEADLINE_EXCEEDED.withDescription("late").asException());
    assertThat(passedThrough.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(passedThrough.getDescription()).isEqualTo("late");
  }

  @Test
  void toStatus_engineFailure_isInternalWithoutDetails() {
    Status s =
        GrpcErrors.toStatus(
            new InferenceFailedException(
                "ORT failed on /srv/models/m/1/decoder.onnx", new IllegalStateException("boom")));

    assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.getDescription())
        .startsWith("internal error, incident ")
        .doesNotContain("/srv", "boom", "ORT");
    assertThat(s.getCause()).isNull();
  }

  @Test
  void toStatus_unexpectedException_isInternal() {
    Status s = GrpcErrors.toStatus(new NullPointerException("secret detail"));

    assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.getDescription()).doesNotContain("secret");
  }
}
