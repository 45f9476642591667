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
 *
 * <p>On the CPU, a run of more than {@link OnnxConfig#cpuRunSamples()} samples is split into engine
 * calls over consecutive row ranges that start at multiples of {@link #rowAlignment()}, each over a
 * view of the same input buffers, and the outputs are joined: every row sits at a position
 * congruent to the one it has in the whole run, so the results are bit-identical to one call.
 *
 * <p>On the CPU, intra-op threads do not spin between operators (ONNX Runtime's default is to
 * spin): a server runs many short calls at once, and spinning workers take the cores from the
 * request threads, the gRPC transport and the next call. Measured with 64 concurrent single-row
 * Encode clients, spinning doubled the server's CPU time per request; a lone caller loses nothing.
 */
public final class OnnxGraphRunner implements GraphRunner {
  private static final Logger log = LoggerFactory.getLogger(OnnxGraphRunner.class);

  private final String description;
  private final String device;
  private final Map<GraphRole, OrtSession> sessions;
  private final OrtEnvironment env;

  /**
   * The process's pool for this runner's cap: one for every model, so that an idle model holds no
   * input buffers (a pool per model kept buffers sized for its largest requests, megabytes per
   * loaded version).
   */
  private final DirectBufferPool buffers;

  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final int rowAlignment;
  private final long runSamples;
  private boolean closed;

  private OnnxGraphRunner(
      String description,
      String device,
      Map<GraphRole, OrtSession> sessions,
      OrtEnvironment env,
      int rowAlignment,
      long runSamples,
      long maxPooledBufferBytes) {
    this.buffers = DirectBufferPool.shared(maxPooledBufferBytes);
    this.description = description;
    this.device = device;
    this.sessions = sessions;
    this.env = env;
    this.rowAlignment = rowAlignment;
    this.runSamples = runSamples;
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
    OrtEnvironment env =
        config.sharedThreads()
            ? SharedEnvironment.get(config.intraOpThreads())
            : OrtEnvironment.getEnvironment();
    List<OnnxDevice> attempts = DeviceChoice.attempts(config.device(), OnnxDevice.gpuVisible());
    InferenceFailedException last = null;
    for (int i = 0; i < attempts.size(); i++) {
      OnnxDevice attempt = attempts.get(i);
      try {
        Map<GraphRole, OrtSession> sessions = openSessions(env, bundle, config, attempt);
        DeviceChoice.report(config.device(), attempt, last);
        boolean cpu = attempt.kind() == OnnxDevice.Kind.CPU;
        int alignment = cpu ? cpuRowAlignment(bundle.manifest().architecture()) : 1;
        return new OnnxGraphRunner(
            description,
            attempt.toString(),
            sessions,
            env,
            alignment,
            cpu ? config.cpuRunSamples() : Long.MAX_VALUE,
            config.maxPooledBufferBytes());
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
    try (OrtSession.SessionOptions options = sessionOptions(config, device)) {
      for (GraphRole role : GraphRole.values()) {
        sessions.put(role, env.createSession(bundle.graphFile(role).toString(), options));
      }
      return sessions;
    } catch (OrtException | RuntimeException e) {
      closeAll(sessions);
      throw e;
    }
  }

  private static OrtSession.SessionOptions sessionOptions(OnnxConfig config, OnnxDevice device)
      throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      if (config.sharedThreads() && SharedEnvironment.hasGlobalThreads()) {
        options.disablePerSessionThreads();
      } else {
        options.setIntraOpNumThreads(config.intraOpThreads());
        if (device.kind() == OnnxDevice.Kind.CPU) {
          options.addConfigEntry("session.intra_op.allow_spinning", "0");
        }
      }
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setCPUArenaAllocator(config.cpuArena());
      if (device.kind() == OnnxDevice.Kind.CUDA) {
        options.addCUDA(device.cudaIndex());
      }
      return options;
    } catch (OrtException | RuntimeException e) {
      options.close();
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
    Map<String, FloatBuffer> views = new LinkedHashMap<>();
    List<ByteBuffer> borrowed = new ArrayList<>(inputs.size());
    try {
      for (Map.Entry<String, FloatTensor> e : inputs.entrySet()) {
        FloatTensor t = e.getValue();
        ByteBuffer buffer = buffers.acquire(t.size());
        borrowed.add(buffer);
        views.put(e.getKey(), DirectBufferPool.fill(buffer, t.data()));
      }
      int rows = rows(inputs);
      int step = rows < 0 ? Integer.MAX_VALUE : rowsPerRun(rows, samplesPerRow(inputs));
      if (step >= rows) {
        return call(session, role, inputs, views, 0, -1, null);
      }
      Map<String, FloatTensor> joined = new LinkedHashMap<>();
      for (int from = 0; from < rows; from += step) {
        call(session, role, inputs, views, from, Math.min(rows, from + step), joined);
      }
      return joined;
    } catch (OrtException e) {
      throw new InferenceFailedException(
          role + " graph of " + description + " failed: " + e.getMessage(), e);
    } finally {
      for (ByteBuffer b : borrowed) {
        buffers.release(b);
      }
    }
  }

  /**
   * One engine call over rows [from, to) of the inputs (all of them when {@code to < 0}). With a
   * {@code joined} map, each output's rows are copied into a tensor of all the run's rows there;
   * without one, the outputs are returned.
   */
  private Map<String, FloatTensor> call(
      OrtSession session,
      GraphRole role,
      Map<String, FloatTensor> inputs,
      Map<String, FloatBuffer> views,
      int from,
      int to,
      Map<String, FloatTensor> joined)
      throws OrtException {
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, FloatTensor> e : inputs.entrySet()) {
        FloatTensor t = e.getValue();
        FloatBuffer view = views.get(e.getKey());
        long[] shape = t.shape();
        if (to >= 0) {
          int rowSize = t.rowSize();
          view = view.duplicate().position(from * rowSize).limit(to * rowSize).slice();
          shape[0] = to - from;
        }
        tensors.put(e.getKey(), OnnxTensor.createTensor(env, view, shape));
      }
      try (OrtSession.Result result = session.run(tensors)) {
        Map<String, FloatTensor> outputs = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : result) {
          FloatTensor out = toFloatTensor(role, e.getKey(), e.getValue());
          if (joined == null) {
            outputs.put(e.getKey(), out);
          } else {
            place(role, e.getKey(), out, from, to, rows(inputs), joined);
          }
        }
        return outputs;
      }
    } finally {
      for (OnnxTensor t : tensors.values()) {
        t.close();
      }
    }
  }

  /** Copies the output of rows [from, to) into the tensor of all {@code rows} rows in joined. */
  private void place(
      GraphRole role,
      String name,
      FloatTensor part,
      int from,
      int to,
      int rows,
      Map<String, FloatTensor> joined) {
    if (part.rank() == 0 || part.dim(0) != to - from) {
      throw new InferenceFailedException(
          role
              + " graph of "
              + description
              + " returned "
              + name
              + " "
              + part
              + " for "
              + (to - from)
              + " rows: the batch must be on axis 0");
    }
    FloatTensor whole = joined.get(name);
    if (whole == null) {
      long[] shape = part.shape();
      shape[0] = rows;
      whole = FloatTensor.of(new float[Math.multiplyExact(rows, part.rowSize())], shape);
      joined.put(name, whole);
    }
    System.arraycopy(part.data(), 0, whole.data(), from * part.rowSize(), part.size());
  }

  /** Axis 0 shared by every input, or -1 when there is none (the engine reports the mismatch). */
  private static int rows(Map<String, FloatTensor> inputs) {
    long rows = -1;
    for (FloatTensor t : inputs.values()) {
      if (t.rank() == 0 || (rows >= 0 && t.dim(0) != rows)) {
        return -1;
      }
      rows = t.dim(0);
    }
    return (int) rows;
  }

  /** Samples per row: axis 1 of the per-sample inputs [N, K, ..], 1 without any. */
  private static long samplesPerRow(Map<String, FloatTensor> inputs) {
    long samples = 1;
    for (FloatTensor t : inputs.values()) {
      if (t.rank() >= 3) {
        samples = Math.max(samples, t.dim(1));
      }
    }
    return samples;
  }

  /**
   * Rows per engine call: at most {@link OnnxConfig#cpuRunSamples()} samples, a multiple of the row
   * alignment, at least one alignment.
   */
  int rowsPerRun(int rows, long samplesPerRow) {
    long fit = runSamples / Math.max(1, samplesPerRow);
    if (fit >= rows) {
      return rows;
    }
    return (int) Math.max(rowAlignment, fit / rowAlignment * rowAlignment);
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
   *     and latent sizes, and for a conditional model the condition size and the widths of the
   *     inputs concatenated with it: 1, 2 or 4
   */
  static int cpuRowAlignment(VaeArchitecture architecture) {
    int alignment = alignmentFor(architecture.inputDim());
    if (architecture.conditional()) {
      alignment = Math.max(alignment, alignmentFor(architecture.conditionDim()));
      for (int l = 0; l < architecture.layerCount(); l++) {
        alignment = Math.max(alignment, alignmentFor(architecture.encoderNetworkInputDim(l)));
        alignment = Math.max(alignment, alignmentFor(architecture.decoderNetworkInputDim(l)));
      }
    }
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
