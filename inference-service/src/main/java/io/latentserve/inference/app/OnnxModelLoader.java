package io.latentserve.inference.app;

import io.latentserve.bundle.Bundle;
import io.latentserve.inference.batching.BatchListener;
import io.latentserve.inference.batching.BatchingConfig;
import io.latentserve.inference.batching.BatchingGraphRunner;
import io.latentserve.inference.core.ModelId;
import io.latentserve.inference.core.ModelLimits;
import io.latentserve.inference.core.ModelLoader;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.inference.onnx.OnnxConfig;
import io.latentserve.inference.onnx.OnnxDevice;
import io.latentserve.inference.onnx.OnnxVaeModels;
import java.util.Objects;
import java.util.function.Function;

/**
 * Loads a bundle into ONNX Runtime on the configured device, behind a dynamic batcher when batching
 * is on, with the configured request limits.
 */
final class OnnxModelLoader implements ModelLoader {
  private final OnnxConfig onnx;
  private final BatchingConfig batching;
  private final ModelLimits limits;
  private final Function<ModelId, BatchListener> listeners;

  /**
   * @param config device, threads, batching and limits
   * @param listeners the batch statistics listener of each model version
   */
  OnnxModelLoader(InferenceConfig config, Function<ModelId, BatchListener> listeners) {
    int threads =
        config.intraOpThreads() == 0
            ? Runtime.getRuntime().availableProcessors()
            : config.intraOpThreads();
    this.onnx =
        new OnnxConfig(
            OnnxDevice.parse(config.device()),
            threads,
            OnnxConfig.DEFAULT_CPU_RUN_SAMPLES,
            config.maxPooledBufferBytes(),
            config.sharedThreads(),
            config.cpuArena());
    this.batching =
        config.batching()
            ? new BatchingConfig(
                config.maxBatchRows(), config.maxQueueDelay(), config.maxQueueLength())
            : null;
    this.limits =
        new ModelLimits(
            config.maxRowsPerRequest(), config.maxK(), ModelLimits.DEFAULT.importanceRowBudget());
    this.listeners = Objects.requireNonNull(listeners, "listeners");
  }

  @Override
  public VaeModel load(Bundle bundle) {
    if (batching == null) {
      return OnnxVaeModels.open(bundle, onnx, limits);
    }
    BatchListener listener = listeners.apply(new ModelId(bundle.modelName(), bundle.version()));
    return OnnxVaeModels.open(
        bundle, onnx, limits, runner -> new BatchingGraphRunner(runner, batching, listener));
  }
}
