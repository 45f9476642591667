package io.latentserve.inference.onnx;

import io.latentserve.bundle.Bundle;
import io.latentserve.inference.core.GraphRunner;
import io.latentserve.inference.core.ModelLimits;
import io.latentserve.inference.core.SeededVaeModel;
import io.latentserve.inference.core.VaeModel;
import java.util.Objects;
import java.util.function.UnaryOperator;

/** Builds in-process {@link VaeModel}s that run a bundle with ONNX Runtime. */
public final class OnnxVaeModels {
  private OnnxVaeModels() {}

  /**
   * A model over {@code bundle}'s graphs, without batching. Close it to free the sessions.
   *
   * @throws io.latentserve.inference.core.InferenceFailedException if the graphs cannot be loaded
   */
  public static VaeModel open(Bundle bundle, OnnxConfig config, ModelLimits limits) {
    return open(bundle, config, limits, UnaryOperator.identity());
  }

  /**
   * A model over {@code bundle}'s graphs whose runner is wrapped by {@code decorator}, e.g. {@code
   * r -> new BatchingGraphRunner(r, batchingConfig, listener)}. The model owns (closes) the
   * decorated runner, which must close the ONNX runner in turn.
   */
  public static VaeModel open(
      Bundle bundle, OnnxConfig config, ModelLimits limits, UnaryOperator<GraphRunner> decorator) {
    Objects.requireNonNull(decorator, "decorator");
    OnnxGraphRunner runner = OnnxGraphRunner.open(bundle, config);
    try {
      return SeededVaeModel.of(bundle, decorator.apply(runner), limits);
    } catch (RuntimeException e) {
      runner.close();
      throw e;
    }
  }
}
