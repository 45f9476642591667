package io.latentserve.evaluator.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.evaluator.core.DatasetSource;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.FanoBound;
import io.latentserve.evaluator.core.InformationRequest;
import io.latentserve.evaluator.core.InvalidEvaluationException;
import io.latentserve.evaluator.core.LayerLabelReport;
import io.latentserve.evaluator.core.LinearGaussianVae;
import io.latentserve.evaluator.core.Metric;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.ProgressListener;
import io.latentserve.evaluator.core.ReferenceInferenceClient;
import io.latentserve.model.FloatTensor;
import java.time.Clock;
import java.util.EnumSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** I(z; label), the probes and Fano's ceiling through the whole evaluation, on inline labels. */
class LabelMetricsEvaluationTest {
  private static final ModelKey PPCA = new ModelKey("ppca", 0);
  private final LinearGaussianVae vae = new LinearGaussianVae(0.8, 1.5);
  private ReferenceInferenceClient client;
  private ExecutorService pool;

  @BeforeEach
  void setUp() {
    client = ReferenceInferenceClient.of("ppca", 1, vae.weights());
    pool = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    client.close();
  }

  private EvaluationReport run(FloatTensor x, int[] labels) {
    EvaluationRequest request =
        new EvaluationRequest(
            PPCA,
            x,
            null,
            "inline",
            1,
            EnumSet.of(Metric.LABEL_INFORMATION, Metric.LINEAR_PROBES),
            3,
            0,
            "labels",
            null,
            new InformationRequest("", 0, labels));
    return new Evaluator(
            client,
            DatasetSource.none(),
            EvaluatorOptions.defaults(),
            Clock.systemUTC(),
            new TribuoLinearProbe())
        .evaluate("eval-labels", request, pool, ProgressListener.none(), () -> false)
        .report();
  }

  @Test
  void evaluate_labelFromTheFirstFeature_probeBelowFanoCeilingAndInformationBelowEntropy() {
    int n = 1500;
    FloatTensor x = LinearGaussianVae.data(n, 21);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      // The first feature is 1.5 z_1 + 0.3 + noise: its sign about 0.3 is mostly z_1's.
      labels[i] = x.data()[i * x.rowSize()] > 0.3f ? 1 : 0;
    }

    EvaluationReport report = run(x, labels);

    assertThat(report.information().labelClasses()).isEqualTo(2);
    assertThat(report.information().labelEntropy()).isCloseTo(Math.log(2), within(0.01));
    LayerLabelReport z = report.layers().get(0).labels();
    assertThat(z.information().value())
        .isBetween(0.15, report.information().labelEntropy() + 1e-12);
    assertThat(z.probeTestExamples()).isEqualTo(300);
    assertThat(z.probeAccuracy()).isGreaterThan(0.8);
    // Fano's ceiling is on classifiers of a draw z ~ q(z|x); the probe reads E_q[z|x], which
    // carries at least as much about the label (z is E_q[z|x] plus noise), so it may beat it.
    assertThat(z.fanoAccuracyCeiling())
        .isEqualTo(
            FanoBound.accuracyCeiling(
                z.information().value(), report.information().labelEntropy(), 2))
        .isBetween(0.7, 1.0);
    assertThat(report.layers().get(0).rate()).isNull();
  }

  @Test
  void evaluate_labelMetricsWithoutInlineLabels_throwsNamingTheField() {
    FloatTensor x = LinearGaussianVae.data(20, 2);

    assertThatThrownBy(() -> run(x, null))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("inline_labels is missing");
  }
}
