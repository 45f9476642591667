package io.latentserve.evaluator.client;

import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.core.InferenceClientContract;
import io.latentserve.model.VaeWeights;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/** The port's contract, over gRPC to a real inference server (ONNX Runtime, CPU) on loopback. */
class GrpcInferenceClientTest extends InferenceClientContract {
  @TempDir static Path repository;
  private static InferenceReplicas replica;

  @Override
  protected InferenceClient startClient(String name, VaeWeights weights) {
    if (replica == null) {
      replica = InferenceReplicas.start(repository, name, weights, 1);
    }
    return GrpcInferenceClient.connect(
        InferenceClientConfig.of(replica.target()), InferenceCallListener.none());
  }

  @AfterAll
  static void stopReplica() {
    if (replica != null) {
      replica.close();
      replica = null;
    }
  }
}
