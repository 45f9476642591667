package io.latentserve.evaluator.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.evaluator.core.EvaluationOutcome;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.core.InferenceClientContract;
import io.latentserve.evaluator.core.Metric;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.ProgressListener;
import io.latentserve.evaluator.core.ReferenceInferenceClient;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.VaeWeights;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A conditional model evaluated over gRPC by a real inference replica (ONNX Runtime, the bundle's
 * conditional graphs) agrees with the same evaluation through the double-precision reference: the
 * condition travels with every Encode, LogProb, ImportanceWeights and Sample call.
 */
class ConditionalGrpcEvaluationTest {
  private static final int C = 3;
  private static final VaeWeights WEIGHTS =
      VaeWeights.random(InferenceClientContract.WEIGHTS.architecture().withConditionDim(C), 8);

  @TempDir Path repository;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  @Test
  void evaluate_conditionalOverGrpc_agreesWithReference() {
    FloatTensor x = InferenceClientContract.data(40, 3);
    float[] y = new float[40 * C];
    for (int i = 0; i < 40; i++) {
      y[i * C + (i * 5) % C] = 1;
    }
    EvaluationRequest request =
        new EvaluationRequest(
            new ModelKey("cvae", 0),
            x,
            null,
            "inline",
            8,
            Metric.defaults(),
            11,
            0,
            "",
            FloatTensor.of(y, 40, C));

    EvaluationReport expected;
    try (ReferenceInferenceClient reference = ReferenceInferenceClient.of("cvae", 1, WEIGHTS)) {
      expected = run(reference, request).report();
    }
    EvaluationReport actual;
    try (InferenceReplicas replica = InferenceReplicas.start(repository, "cvae", WEIGHTS, 1);
        InferenceClient grpc =
            GrpcInferenceClient.connect(
                InferenceClientConfig.of(replica.target()), InferenceCallListener.none())) {
      actual = run(grpc, request).report();
    }

    assertThat(actual.model().conditionDim()).isEqualTo(C);
    assertThat(actual.condition()).isEqualTo(expected.condition());
    assertThat(actual.iwll().value()).isCloseTo(expected.iwll().value(), within(1e-3));
    assertThat(actual.elbo().value()).isCloseTo(expected.elbo().value(), within(1e-3));
    assertThat(actual.layers().get(1).rate().value())
        .isCloseTo(expected.layers().get(1).rate().value(), within(1e-3));
    assertThat(actual.mmd()).isCloseTo(expected.mmd(), within(1e-3));
  }

  private EvaluationOutcome run(InferenceClient client, EvaluationRequest request) {
    return new Evaluator(client, EvaluatorOptions.defaults())
        .evaluate("conditional-grpc", request, pool, ProgressListener.none(), () -> false);
  }
}
