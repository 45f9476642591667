package io.latentserve.evaluator.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.TopDownInformationTest;
import io.latentserve.model.InferenceStructure;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The top-down oracle end to end: {@link io.latentserve.model.TopDownLinearGaussian}'s exact
 * posterior written as a real bundle, served by a real inference server (ONNX Runtime, CPU,
 * loopback), described over gRPC as top-down, and evaluated through {@link GrpcInferenceClient}
 * against the same closed forms as the in-process check.
 */
class TopDownOnnxOracleTest {
  @TempDir Path repository;

  @Test
  void evaluate_servedTopDownBundle_informationPerLayerMatchesClosedForms() {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (InferenceReplicas replica =
            InferenceReplicas.start(
                repository, "hit-lg", TopDownInformationTest.MODEL.exactWeights(), 1);
        InferenceClient client =
            GrpcInferenceClient.connect(
                InferenceClientConfig.of(replica.target()), InferenceCallListener.none())) {
      ModelKey key = new ModelKey("hit-lg", 1);
      assertThat(client.describe(key).inference()).isEqualTo(InferenceStructure.TOP_DOWN);
      assertThat(client.describe(key).inputShape()).isEqualTo(List.of(3L));
      TopDownInformationTest.assertInformationMatchesClosedForms(client, key, pool);
    } finally {
      pool.shutdownNow();
    }
  }
}
