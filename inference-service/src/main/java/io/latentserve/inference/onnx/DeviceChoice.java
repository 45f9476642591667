package io.latentserve.inference.onnx;

import io.latentserve.inference.core.InferenceFailedException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which devices to try for a requested {@link OnnxDevice}, and the one log line about it. */
final class DeviceChoice {
  private static final Logger log = LoggerFactory.getLogger(DeviceChoice.class);
  private static final OnnxDevice CPU = new OnnxDevice(OnnxDevice.Kind.CPU, 0);
  private static final OnnxDevice CUDA_0 = new OnnxDevice(OnnxDevice.Kind.CUDA, 0);
  private static final AtomicBoolean reported = new AtomicBoolean();

  private DeviceChoice() {}

  /**
   * Devices to try in order: {@code cpu} -> cpu; {@code cuda:N} -> cuda:N only (no fallback);
   * {@code auto} -> cuda:0 then cpu where a GPU is visible, else cpu.
   */
  static List<OnnxDevice> attempts(OnnxDevice requested, boolean gpuVisible) {
    return switch (requested.kind()) {
      case CPU -> List.of(CPU);
      case CUDA -> List.of(requested);
      case AUTO -> gpuVisible ? List.of(CUDA_0, CPU) : List.of(CPU);
    };
  }

  /** Logs the device chosen for {@code requested}, once per process (at info) or on fallback. */
  static void report(OnnxDevice requested, OnnxDevice chosen, InferenceFailedException failure) {
    if (failure != null) {
      log.warn(
          "ONNX Runtime device: {} (requested {}; {} failed: {})",
          chosen,
          requested,
          CUDA_0,
          failure.getCause() == null ? failure.getMessage() : failure.getCause().getMessage());
    } else if (reported.compareAndSet(false, true)) {
      log.info(
          "ONNX Runtime device: {} (requested {}{})",
          chosen,
          requested,
          requested.kind() == OnnxDevice.Kind.AUTO && chosen.kind() == OnnxDevice.Kind.CPU
              ? ", no GPU visible"
              : "");
    }
  }
}
