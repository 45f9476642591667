package io.latentserve.inference.onnx;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.onnx.RbmInitializers;
import io.latentserve.inference.core.GraphRunner;
import io.latentserve.inference.core.ModelLimits;
import io.latentserve.inference.core.SeededVaeModel;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.model.Rbm;
import io.latentserve.model.VaeArchitecture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
      return SeededVaeModel.of(bundle, decorator.apply(runner), limits, rbm(bundle));
    } catch (RuntimeException e) {
      runner.close();
      throw e;
    }
  }

  /**
   * The RBM prior's parameters, from the bundle's log-joint graph where the exporter keeps them;
   * null for a model with another prior.
   */
  private static Rbm rbm(Bundle bundle) {
    VaeArchitecture architecture = bundle.manifest().architecture();
    if (!architecture.prior().spansAllLayers()) {
      return null;
    }
    Path graph = bundle.graphFile(GraphRole.LOG_JOINT);
    try {
      return RbmInitializers.read(Files.readAllBytes(graph), architecture.rbmFirstHalf());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the rbm prior of " + bundle.modelName(), e);
    }
  }
}
