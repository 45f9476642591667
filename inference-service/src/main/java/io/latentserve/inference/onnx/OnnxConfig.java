package io.latentserve.inference.onnx;

import java.util.Objects;

/**
 * How ONNX Runtime runs a bundle.
 *
 * @param device {@code auto} (CUDA where a GPU is visible, else the CPU), {@code cpu}, or {@code
 *     cuda:N} (CUDA device N; fails if CUDA cannot start); see {@link OnnxDevice#parse}
 * @param intraOpThreads threads one graph run may use, >= 1
 */
public record OnnxConfig(OnnxDevice device, int intraOpThreads) {
  public OnnxConfig {
    Objects.requireNonNull(device, "device");
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
    }
  }

  /** {@code auto}, one intra-op thread per available processor. */
  public static OnnxConfig defaults() {
    return new OnnxConfig(OnnxDevice.parse("auto"), Runtime.getRuntime().availableProcessors());
  }
}
