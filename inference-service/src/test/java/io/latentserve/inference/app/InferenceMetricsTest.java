package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.bundle.GraphRole;
import io.latentserve.inference.batching.BatchListener;
import io.latentserve.inference.core.ModelId;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InferenceMetricsTest {
  private static final String ENCODER_REJECTED =
      "latentserve_batch_rejected_total{graph=\"encoder\",model=\"demo\",version=\"1\"}";

  @Test
  void batchListener_firstBatchOfAGraph_exposesItsRejectionsAtZero() {
    InferenceMetrics metrics = new InferenceMetrics();
    BatchListener batches = metrics.batchListener(new ModelId("demo", 1));

    String before = metrics.scrape();
    batches.onBatch(GraphRole.ENCODER, 2, 8, Duration.ofMillis(1), Duration.ofMillis(3));
    String after = metrics.scrape();

    assertThat(before).doesNotContain("latentserve_batch_rejected_total{");
    assertThat(after)
        .contains(ENCODER_REJECTED + " 0.0")
        .doesNotContain("graph=\"decoder\"")
        .contains(
            "latentserve_batch_size_rows_count{graph=\"encoder\",model=\"demo\",version=\"1\"} 1");
  }

  @Test
  void batchListener_rejection_countsOnTheGraph() {
    InferenceMetrics metrics = new InferenceMetrics();
    BatchListener batches = metrics.batchListener(new ModelId("demo", 1));

    batches.onBatch(GraphRole.ENCODER, 1, 1, Duration.ZERO, Duration.ZERO);
    batches.onRejected(GraphRole.ENCODER);
    batches.onRejected(GraphRole.ENCODER);

    assertThat(metrics.scrape()).contains(ENCODER_REJECTED + " 2.0");
  }
}
