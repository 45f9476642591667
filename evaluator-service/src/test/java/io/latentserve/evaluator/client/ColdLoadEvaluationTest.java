package io.latentserve.evaluator.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.InferenceClientContract;
import io.latentserve.evaluator.core.Metric;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.ProgressListener;
import io.latentserve.inference.core.ModelState;
import io.latentserve.inference.core.ModelStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An evaluation of a model that its replica has not loaded (a replica with a memory budget loads
 * models on demand): the first call loads it, and the numbers are those of a replica that had it
 * loaded from the start.
 */
class ColdLoadEvaluationTest {
  private static final String MODEL = InferenceClientContract.MODEL;
  private static final EvaluationRequest REQUEST =
      new EvaluationRequest(
          new ModelKey(MODEL, 0),
          InferenceClientContract.data(64, 3),
          "test",
          100,
          EnumSet.of(Metric.IWLL, Metric.ELBO),
          11,
          0,
          "");

  @TempDir Path cold;
  @TempDir Path warm;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private EvaluationReport evaluate(InferenceReplicas replicas) {
    try (GrpcInferenceClient client =
        GrpcInferenceClient.connect(
            new InferenceClientConfig(
                replicas.target(), Duration.ofSeconds(30), 4, Duration.ofMillis(20), 64 << 20),
            InferenceCallListener.none())) {
      return new Evaluator(client, new EvaluatorOptions(100, 16, 1 << 12, 2, 2, 100, 0, 0))
          .evaluate("eval-cold", REQUEST, pool, ProgressListener.none(), () -> false)
          .report();
    }
  }

  @Test
  void evaluate_modelNotLoaded_loadsOnTheFirstCallAndGivesTheSameNumbers() {
    EvaluationReport expected;
    try (InferenceReplicas loaded =
        InferenceReplicas.start(warm, MODEL, InferenceClientContract.WEIGHTS, 1)) {
      expected = evaluate(loaded);
    }
    try (InferenceReplicas budgeted =
        InferenceReplicas.startWithBudget(
            cold, MODEL, InferenceClientContract.WEIGHTS, 256L << 20)) {
      var registry = budgeted.servers.get(0).models();
      assertThat(registry.statuses())
          .extracting(ModelStatus::state)
          .containsExactly(ModelState.AVAILABLE);

      EvaluationReport report = evaluate(budgeted);

      assertThat(registry.statuses())
          .extracting(ModelStatus::state)
          .containsExactly(ModelState.LOADED);
      assertThat(report.iwll()).isEqualTo(expected.iwll());
      assertThat(report.elbo()).isEqualTo(expected.elbo());
    }
  }
}
