package io.latentserve.inference.onnx;

import io.latentserve.inference.core.ModelLimits;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.inference.core.VaeModelContract;
import io.latentserve.model.VaeWeights;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The contract for the ONNX Runtime model: exported bundle, CPU sessions, no batching. */
class OnnxVaeModelContractTest extends VaeModelContract {
  @TempDir static Path root;

  @Override
  protected VaeModel open(VaeWeights weights, ModelLimits limits) {
    return OnnxVaeModels.open(
        TestBundles.publish(weights, root, "contract-vae"),
        new OnnxConfig(OnnxDevice.parse("cpu"), 2),
        limits);
  }
}
