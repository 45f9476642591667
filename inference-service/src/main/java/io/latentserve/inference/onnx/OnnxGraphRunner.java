package io.latentserve.inference.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.GraphRole;
import io.latentserve.inference.core.GraphRunner;
import io.latentserve.inference.core.InferenceFailedException;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link GraphRunner} over ONNX Runtime: one {@link OrtSession} per graph of a bundle, on the CPU
 * or a CUDA device chosen by {@link OnnxConfig#device()}.
 *
 * <p>Inputs are copied into pooled direct buffers and handed to the engine without a further copy;
 * outputs are copied into fresh arrays. {@link #close()} waits for runs in flight, then frees the
 * sessions; later runs fail with {@link ModelUnavailableException}.
 */
public final class OnnxGraphRunner implements GraphRunner {
  private static final Logger log = LoggerFactory.getLogger(OnnxGraphRunner.class);

  private final String description;
  private final String device;
  private final Map<GraphRole, OrtSession> sessions;
  private final OrtEnvironment env;
  private final DirectBufferPool buffers = new DirectBufferPool(32);
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final int rowAlignment;
  private boolean closed;

  private OnnxGraphRunner(
      String description,
      String device,
      Map<GraphRole, OrtSession> sessions,
      OrtEnvironment env,
      int rowAlignment) {
    this.description = description;
    this.device = device;
    this.sessions = sessions;
    this.env = env;
    this.rowAlignment = rowAlignment;
  }

  /**
   * Loads every graph of {@code bundle}.
   *
   * @throws InferenceFailedException if a graph cannot be loaded, or if {@code cuda:N} was asked
   *     for and CUDA cannot start ({@code auto} falls back to the CPU instead)
   */
  public static OnnxGraphRunner open(Bundle bundle, OnnxConfig config) {
    Objects.requireNonNull(bundle, "bundle");
    Objects.requireNonNull(config, "config");
    String description = bundle.modelName() + "/" + bundle.version();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<OnnxDevice> attempts = DeviceChoice.attempts(config.device(), OnnxDevice.gpuVisible());
    InferenceFailedException last = null;
    for (int i = 0; i < attempts.size(); i++) {
      OnnxDevice attempt = attempts.get(i);
      try {
        Map<GraphRole, OrtSession> sessions = openSessions(env, bundle, config, attempt);
        DeviceChoice.report(config.device(), attempt, last);
        int alignment =
            attempt.kind() == OnnxDevice.Kind.CPU
                ? cpuRowAlignment(bundle.manifest().architecture())
                : 1;
        return new OnnxGraphRunner(description, attempt.toString(), sessions, env, alignment);
      } catch (OrtException e) {
        last =
            new InferenceFailedException(
                "cannot load " + description + " on " + attempt + ": " + e.getMessage(), e);
        if (i + 1 < attempts.size()) {
          log.debug(
              "loading {} on {} failed, trying {}", description, attempt, attempts.get(i + 1));
        }
      }
    }
    throw last;
  }

  private static Map<GraphRole, OrtSession> openSessions(
      OrtEnvironment env, Bundle bundle, OnnxConfig config, OnnxDevice device) throws OrtException {
    Map<GraphRole, OrtSession> sessions = new EnumMap<>(GraphRole.class);
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(config.intraOpThreads());
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (device.kind() == OnnxDevice.Kind.CUDA) {
        options.addCUDA(device.cudaIndex());
      }
      for (GraphRole role : GraphRole.values()) {
        sessions.put(role, env.createSession(bundle.graphFile(role).toString(), options));
      }
      return sessions;
    } catch (OrtException | RuntimeException e) {
      closeAll(sessions);
      throw e;
    }
  }

  @Override
  public Map<String, FloatTensor> run(GraphRole role, Map<String, FloatTensor> inputs) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new ModelUnavailableException("model " + description + " is closed");
      }
      return runOpen(sessions.get(role), role, inputs);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  private Map<String, FloatTensor> runOpen(
      OrtSession session, GraphRole role, Map<String, FloatTensor> inputs) {
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    List<ByteBuffer> borrowed = new ArrayList<>(inputs.size());
    try {
      for (Map.Entry<String, FloatTensor> e : inputs.entrySet()) {
        FloatTensor t = e.getValue();
        ByteBuffer buffer = buffers.acquire(t.size());
        borrowed.add(buffer);
        FloatBuffer view = DirectBufferPool.fill(buffer, t.data());
        tensors.put(e.getKey(), OnnxTensor.createTensor(env, view, t.shape()));
      }
      try (OrtSession.Result result = session.run(tensors)) {
        Map<String, FloatTensor> outputs = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : result) {
          outputs.put(e.getKey(), toFloatTensor(role, e.getKey(), e.getValue()));
        }
        return outputs;
      }
    } catch (OrtException e) {
      throw new InferenceFailedException(
          role + " graph of " + description + " failed: " + e.getMessage(), e);
    } finally {
      for (OnnxTensor t : tensors.values()) {
        t.close();
      }
      for (ByteBuffer b : borrowed) {
        buffers.release(b);
      }
    }
  }

  private FloatTensor toFloatTensor(GraphRole role, String name, OnnxValue value) {
    if (!(value instanceof OnnxTensor tensor) || tensor.getInfo().type != OnnxJavaType.FLOAT) {
      throw new InferenceFailedException(
          role + " graph of " + description + " returned " + name + " that is not a float tensor");
    }
    TensorInfo info = tensor.getInfo();
    FloatBuffer buffer = tensor.getFloatBuffer();
    float[] data;
    if (buffer.hasArray() && buffer.arrayOffset() == 0 && buffer.array().length == buffer.limit()) {
      data = buffer.array();
    } else {
      data = new float[buffer.remaining()];
      buffer.get(data);
    }
    return FloatTensor.of(data, info.getShape());
  }

  /**
   * The row alignment that makes CPU results independent of a row's position in a batch.
   *
   * <p>ONNX Runtime's CPU ReduceSum sums each row with Eigen's vectorized reduction, which sums the
   * elements before the first 16-byte boundary separately from the 4-float packets after it, so the
   * rounding of a row's sum depends on the row's address modulo 16 bytes (measured: 1 ulp
   * differences in log p(z) between a row run alone and the same row at an odd position of a batch,
   * latent size 50). Row i of a [rows, w] float32 tensor starts at byte 4 w i of a 64-byte aligned
   * buffer, so two placements of a row give the same sums iff they differ by s rows with w s a
   * multiple of 4, for every width w of the graphs' tensors; per-sample tensors [N, K, w] behave
   * the same on the sample axis. Matrix products (MLAS) and element-wise kernels gave identical
   * results at every batch size and position. {@link io.latentserve.inference.core.SeededVaeModel}
   * and the batching runner place rows accordingly, which makes CPU results bit-identical under any
   * batching, row split and sample chunking.
   *
   * <p>On CUDA no placement makes results batch-independent (cuBLAS picks kernels by problem size),
   * so 1 is returned there and results may differ in the last bits between batch compositions.
   *
   * @return the least common multiple of {@code 4 / gcd(w, 4)} over the input size, hidden widths
   *     and latent sizes: 1, 2 or 4
   */
  static int cpuRowAlignment(VaeArchitecture architecture) {
    int alignment = alignmentFor(architecture.inputDim());
    for (StochasticLayer layer : architecture.layers()) {
      alignment = Math.max(alignment, alignmentFor(layer.latentDim()));
      for (int width : layer.hidden()) {
        alignment = Math.max(alignment, alignmentFor(width));
      }
    }
    return alignment;
  }

  private static int alignmentFor(int width) {
    // Floats per 16-byte packet divided by gcd(width, 4); max() is the lcm among 1, 2, 4.
    return width % 4 == 0 ? 1 : width % 2 == 0 ? 2 : 4;
  }

  @Override
  public int rowAlignment() {
    return rowAlignment;
  }

  @Override
  public String device() {
    return device;
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closeAll(sessions);
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  private static void closeAll(Map<GraphRole, OrtSession> sessions) {
    for (OrtSession s : sessions.values()) {
      try {
        s.close();
      } catch (OrtException e) {
        log.warn("closing an ONNX Runtime session failed: {}", e.getMessage());
      }
    }
  }

  @Override
  public String toString() {
    return "OnnxGraphRunner[" + description + " on " + device + "]";
  }
}
