package io.latentserve.bundle;

import java.util.List;

/** One ONNX graph of a bundle: its file (relative to the bundle folder), inputs and outputs. */
public record GraphSpec(String file, List<TensorSpec> inputs, List<TensorSpec> outputs) {
  public GraphSpec {
    if (file == null || !file.matches("[a-z0-9_]+\\.onnx")) {
      throw new IllegalArgumentException("graph file must match [a-z0-9_]+.onnx, got " + file);
    }
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
