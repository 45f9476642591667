package io.latentserve.bundle.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.latentserve.model.FloatTensor;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/** ONNX Runtime on the CPU, one thread, behind {@link OnnxExecutor}. */
final class OrtTestExecutor implements OnnxExecutor {
  @Override
  public Map<String, FloatTensor> run(String what, byte[] model, Map<String, FloatTensor> inputs) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(model, options)) {
        for (Map.Entry<String, FloatTensor> e : inputs.entrySet()) {
          tensors.put(
              e.getKey(),
              OnnxTensor.createTensor(
                  env, FloatBuffer.wrap(e.getValue().data()), e.getValue().shape()));
        }
        Map<String, FloatTensor> outputs = new LinkedHashMap<>();
        try (OrtSession.Result result = session.run(tensors)) {
          for (Map.Entry<String, OnnxValue> e : result) {
            OnnxTensor tensor = (OnnxTensor) e.getValue();
            FloatBuffer buffer = tensor.getFloatBuffer();
            float[] data = new float[buffer.remaining()];
            buffer.get(data);
            outputs.put(e.getKey(), FloatTensor.of(data, tensor.getInfo().getShape()));
          }
        }
        return outputs;
      }
    } catch (OrtException e) {
      throw new ImportException("ONNX Runtime cannot run " + what + ": " + e.getMessage(), e);
    } finally {
      tensors.values().forEach(OnnxTensor::close);
    }
  }
}
