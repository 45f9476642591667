package io.latentserve.bundle.onnx;

import io.latentserve.model.FloatTensor;
import java.util.Map;

/**
 * Runs a serialized ONNX model once: the port through which {@link ImportSelfCheck} reaches an
 * inference engine, which this module does not depend on.
 */
public interface OnnxExecutor {
  /**
   * @param what the model's name in messages, e.g. "the composed log_weights.onnx"
   * @param inputs float32 inputs by name
   * @return every output by name
   * @throws ImportException if the engine cannot load or run the model, with its reason
   */
  Map<String, FloatTensor> run(String what, byte[] model, Map<String, FloatTensor> inputs);
}
