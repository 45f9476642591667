package io.latentserve.evaluator.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class RetryKindTest {
  private static Metadata pushback(String millis) {
    Metadata m = new Metadata();
    m.put(RetryKind.PUSHBACK, millis);
    return m;
  }

  @Test
  void of_resourceExhausted_retriedOnlyWithNonNegativePushback() {
    assertThat(RetryKind.of(Status.Code.RESOURCE_EXHAUSTED, new Metadata(), true))
        .isEqualTo(RetryKind.NONE);
    assertThat(RetryKind.of(Status.Code.RESOURCE_EXHAUSTED, null, true)).isEqualTo(RetryKind.NONE);
    assertThat(RetryKind.of(Status.Code.RESOURCE_EXHAUSTED, pushback("-1"), true))
        .isEqualTo(RetryKind.NONE);
    assertThat(RetryKind.of(Status.Code.RESOURCE_EXHAUSTED, pushback("x"), true))
        .isEqualTo(RetryKind.NONE);
    assertThat(RetryKind.of(Status.Code.RESOURCE_EXHAUSTED, pushback("20"), true))
        .isEqualTo(RetryKind.REPLICA);
    assertThat(RetryKind.pushback(pushback("20"))).hasValue(20);
  }

  @Test
  void of_notFoundOrFailedPrecondition_retriedOnlyForAPinnedVersion() {
    assertThat(RetryKind.of(Status.Code.NOT_FOUND, null, true)).isEqualTo(RetryKind.VERSION);
    assertThat(RetryKind.of(Status.Code.FAILED_PRECONDITION, null, true))
        .isEqualTo(RetryKind.VERSION);
    assertThat(RetryKind.of(Status.Code.NOT_FOUND, null, false)).isEqualTo(RetryKind.NONE);
    assertThat(RetryKind.of(Status.Code.INVALID_ARGUMENT, null, true)).isEqualTo(RetryKind.NONE);
    assertThat(RetryKind.of(Status.Code.UNAVAILABLE, null, false)).isEqualTo(RetryKind.REPLICA);
  }
}
