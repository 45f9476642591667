package io.latentserve.evaluator.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.InferenceClientContract;
import io.latentserve.evaluator.core.InferenceException;
import io.latentserve.evaluator.core.Metric;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.ProgressListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas that disagree for a while: one has loaded a newly published version, another has not yet
 * (its next repository scan will find it). A call pinned to that version that gets NOT_FOUND goes
 * to another replica, or back to the same one after a pause, within a bounded wait; a
 * RESOURCE_EXHAUSTED that comes from a fixed limit fails at once, since no replica would accept it.
 */
class VersionFailoverTest {
  private static final String MODEL = InferenceClientContract.MODEL;

  @TempDir Path ahead;
  @TempDir Path behind;
  private final List<InferenceReplicas> replicas = new ArrayList<>();
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    replicas.forEach(InferenceReplicas::close);
  }

  private static EvaluationRequest request(long version) {
    return new EvaluationRequest(
        new ModelKey(MODEL, version),
        InferenceClientContract.data(96, 3),
        "test",
        16,
        EnumSet.of(Metric.IWLL, Metric.RATES),
        5,
        0,
        "");
  }

  private EvaluationReport evaluate(String target, EvaluationRequest request, Calls calls) {
    InferenceClientConfig config =
        new InferenceClientConfig(
            target, Duration.ofSeconds(30), 4, Duration.ofMillis(20), 64 << 20);
    try (GrpcInferenceClient client = GrpcInferenceClient.connect(config, calls)) {
      // 16 rows a call: 6 calls per phase, so round-robin reaches both replicas many times.
      return new Evaluator(client, new EvaluatorOptions(5000, 16, 1 << 18, 2, 2, 2000, 0, 0))
          .evaluate("eval-failover", request, pool, ProgressListener.none(), () -> false)
          .report();
    }
  }

  @Test
  void evaluate_pinnedVersionNotYetLoadedOnOneReplica_retriedOnTheOtherWithSameNumbers() {
    InferenceReplicas.publish(ahead, MODEL, InferenceClientContract.WEIGHTS);
    InferenceReplicas.publish(ahead, MODEL, InferenceClientContract.WEIGHTS);
    InferenceReplicas.publish(behind, MODEL, InferenceClientContract.WEIGHTS);
    InferenceReplicas a = InferenceReplicas.none().add(ahead, b -> b);
    InferenceReplicas b = InferenceReplicas.none().add(behind, c -> c);
    replicas.add(a);
    replicas.add(b);
    Calls calls = new Calls();

    EvaluationReport both = evaluate(a.target() + "," + b.target(), request(2), calls);
    EvaluationReport aheadOnly = evaluate(a.target(), request(2), new Calls());

    assertThat(both.model().version()).isEqualTo(2);
    assertThat(both.iwll()).isEqualTo(aheadOnly.iwll());
    assertThat(both.layers().get(0).rate()).isEqualTo(aheadOnly.layers().get(0).rate());
    assertThat(calls.retried).contains("NOT_FOUND");
  }

  @Test
  void evaluate_pinnedVersionPublishedJustBeforehand_sameReplicaRetriedAfterItsScan() {
    InferenceReplicas.publish(behind, MODEL, InferenceClientContract.WEIGHTS);
    InferenceReplicas one =
        InferenceReplicas.none().add(behind, b -> b.reloadInterval(Duration.ofMillis(500)));
    replicas.add(one);
    long version = InferenceReplicas.publish(behind, MODEL, InferenceClientContract.WEIGHTS);

    EvaluationReport report = evaluate(one.target(), request(version), new Calls());

    assertThat(report.model().version()).isEqualTo(2);
    assertThat(report.iwll().value()).isNegative();
  }

  @Test
  void evaluate_pinnedVersionThatNeverAppears_failsNotFoundWithinTheWait() {
    InferenceReplicas.publish(behind, MODEL, InferenceClientContract.WEIGHTS);
    InferenceReplicas one = InferenceReplicas.none().add(behind, b -> b);
    replicas.add(one);
    InferenceClientConfig config =
        new InferenceClientConfig(
                one.target(), Duration.ofSeconds(30), 4, Duration.ofMillis(20), 64 << 20)
            .withVersionWait(Duration.ofMillis(600));
    Calls calls = new Calls();
    long start = System.nanoTime();

    try (GrpcInferenceClient client = GrpcInferenceClient.connect(config, calls)) {
      assertThatThrownBy(() -> client.describe(new ModelKey(MODEL, 7)))
          .isInstanceOfSatisfying(
              InferenceException.class,
              e -> assertThat(e.reason()).isEqualTo(InferenceException.Reason.NOT_FOUND));
    }

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(calls.attempts).hasSizeGreaterThan(1);
  }

  @Test
  void encode_overAFixedRowLimit_resourceExhaustedIsNotRetried() {
    InferenceReplicas.publish(behind, MODEL, InferenceClientContract.WEIGHTS);
    InferenceReplicas one = InferenceReplicas.none().add(behind, b -> b.maxRowsPerRequest(8));
    replicas.add(one);
    Calls calls = new Calls();
    InferenceClientConfig config =
        new InferenceClientConfig(
            one.target(), Duration.ofSeconds(30), 4, Duration.ofMillis(20), 64 << 20);

    try (GrpcInferenceClient client = GrpcInferenceClient.connect(config, calls)) {
      assertThatThrownBy(
              () ->
                  client.encode(
                      new ModelKey(MODEL, 1),
                      InferenceClientContract.data(16, 1),
                      null,
                      false,
                      1,
                      0))
          .isInstanceOfSatisfying(
              InferenceException.class,
              e -> assertThat(e.reason()).isEqualTo(InferenceException.Reason.RESOURCE_EXHAUSTED));
    }

    assertThat(calls.attempts).containsExactly("Encode RESOURCE_EXHAUSTED");
    assertThat(calls.retried).isEmpty();
  }

  /** Records every attempt and retry. */
  private static final class Calls implements InferenceCallListener {
    final List<String> attempts = Collections.synchronizedList(new ArrayList<>());
    final List<String> retried = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onAttempt(String method, String status, Duration latency) {
      attempts.add(method + " " + status);
    }

    @Override
    public void onRetry(String method, String status) {
      retried.add(status);
    }
  }
}
