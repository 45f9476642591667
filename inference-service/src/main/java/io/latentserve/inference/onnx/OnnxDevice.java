package io.latentserve.inference.onnx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A requested execution device: {@code auto}, {@code cpu} or {@code cuda:N}.
 *
 * <p>{@code auto} tries CUDA only where a GPU is visible ({@link #gpuVisible}): a failed CUDA start
 * costs seconds and extracts a large native library, and ONNX Runtime lists the CUDA provider as
 * available even on machines without a GPU.
 *
 * @param kind what was asked for
 * @param cudaIndex the CUDA device for {@link Kind#CUDA}, else 0
 */
public record OnnxDevice(Kind kind, int cudaIndex) {
  private static final Pattern CUDA = Pattern.compile("cuda:(\\d{1,3})");

  /** Device kinds. */
  public enum Kind {
    AUTO,
    CPU,
    CUDA
  }

  public OnnxDevice {
    if (kind == null) {
      throw new IllegalArgumentException("device kind is required");
    }
    if (cudaIndex < 0 || (kind != Kind.CUDA && cudaIndex != 0)) {
      throw new IllegalArgumentException("bad CUDA index " + cudaIndex + " for " + kind);
    }
  }

  /**
   * Parses {@code auto}, {@code cpu} or {@code cuda:N} (case-insensitive).
   *
   * @throws IllegalArgumentException for anything else
   */
  public static OnnxDevice parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("device is required: auto, cpu or cuda:N");
    }
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("auto")) {
      return new OnnxDevice(Kind.AUTO, 0);
    }
    if (t.equals("cpu")) {
      return new OnnxDevice(Kind.CPU, 0);
    }
    Matcher m = CUDA.matcher(t);
    if (m.matches()) {
      return new OnnxDevice(Kind.CUDA, Integer.parseInt(m.group(1)));
    }
    throw new IllegalArgumentException("device must be auto, cpu or cuda:N, got '" + text + "'");
  }

  /**
   * Whether a GPU is visible to this process: {@code /dev/nvidia0} exists, or {@code
   * NVIDIA_VISIBLE_DEVICES} is set to something other than empty, {@code void} or {@code none}.
   *
   * @param env the environment (e.g. {@code System.getenv()})
   * @param exists file existence check (e.g. {@code Files::exists})
   */
  public static boolean gpuVisible(Map<String, String> env, Predicate<Path> exists) {
    if (exists.test(Path.of("/dev/nvidia0"))) {
      return true;
    }
    String visible = env.get("NVIDIA_VISIBLE_DEVICES");
    if (visible == null) {
      return false;
    }
    String v = visible.trim().toLowerCase(Locale.ROOT);
    return !v.isEmpty() && !v.equals("void") && !v.equals("none");
  }

  /** {@link #gpuVisible(Map, Predicate)} for this process. */
  public static boolean gpuVisible() {
    return gpuVisible(System.getenv(), Files::exists);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case AUTO -> "auto";
      case CPU -> "cpu";
      case CUDA -> "cuda:" + cudaIndex;
    };
  }
}
