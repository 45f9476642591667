package io.latentserve.inference.batching;

import io.latentserve.inference.core.ModelLimits;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.inference.core.VaeModelContract;
import io.latentserve.inference.onnx.OnnxConfig;
import io.latentserve.inference.onnx.OnnxDevice;
import io.latentserve.inference.onnx.OnnxVaeModels;
import io.latentserve.inference.onnx.TestBundles;
import io.latentserve.model.VaeWeights;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** The contract for the ONNX Runtime model behind the batching runner, as the server wires it. */
class BatchedOnnxVaeModelContractTest extends VaeModelContract {
  @TempDir static Path root;

  @Override
  protected VaeModel open(VaeWeights weights, ModelLimits limits) {
    return OnnxVaeModels.open(
        TestBundles.publish(weights, root, "batched-contract-vae"),
        new OnnxConfig(OnnxDevice.parse("cpu"), 2),
        limits,
        runner ->
            new BatchingGraphRunner(
                runner, new BatchingConfig(64, Duration.ofMillis(1), 64), BatchListener.NONE));
  }
}
