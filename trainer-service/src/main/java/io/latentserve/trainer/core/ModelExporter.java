package io.latentserve.trainer.core;

import io.latentserve.model.VaeWeights;

/**
 * The port through which a trained model becomes a bundle's graphs; the ONNX writer is its adapter
 * ({@code io.latentserve.trainer.onnx.OnnxModelExporter}).
 */
public interface ModelExporter {
  /**
   * The graphs of a bundle for {@code weights}.
   *
   * @return each graph's spec as the manifest records it, and each graph file's bytes
   */
  ExportedModel export(VaeWeights weights);
}
