package io.latentserve.trainer.samediff;

import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.ImportanceSignals;
import io.latentserve.trainer.core.LagrangeMultipliers;
import io.latentserve.trainer.core.Lagrangian;
import io.latentserve.trainer.core.NonFiniteLossException;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.OptimizerSnapshot;
import io.latentserve.trainer.core.TrainableVae;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link TrainableVae} on a SameDiff graph ({@link VaeGraph}) with Adam (Kingma and Ba 2015; beta1
 * 0.9, beta2 0.999, epsilon 1e-8) applied by ND4J's fused updater. A step with a non-finite loss or
 * gradient changes nothing and throws {@link NonFiniteLossException}.
 *
 * <p>DReG, VIMCO and reweighted wake-sleep take two passes per step: a forward pass for the log
 * weights, from which {@link ImportanceSignals} computes the normalized weights w~ (and VIMCO's
 * leave-one-out signals), then the gradient pass with those fed in as constants. VIMCO's and RWS's
 * reported loss is the negative IWAE bound (their surrogates' values mean nothing).
 *
 * <p>LagVAE's multipliers ({@link LagrangeMultipliers}) step after Adam, from the constraint values
 * of the same gradient pass, which used the multipliers from before the step.
 */
public final class SameDiffVae implements TrainableVae {
  private static final String MOMENT1 = "adam_m/";
  private static final String MOMENT2 = "adam_v/";
  private static final String PARAMETER = "param/";
  // float32 like every snapshot array: a resumed LagVAE run continues from multipliers rounded to
  // float, the one place where resuming is not bit for bit
  private static final String MULTIPLIERS = "lagrange_multipliers";

  private final VaeGraph graph;
  private final SameDiff sd;
  private final List<String> parameters;
  private final Map<String, INDArray> firstMoments = new LinkedHashMap<>();
  private final Map<String, INDArray> secondMoments = new LinkedHashMap<>();
  private final Map<String, INDArray> gradientViews = new LinkedHashMap<>();
  // Every parameter, its gradient and its Adam moments are views of one flat [1, P] array each,
  // so that a step runs one Adam update, one subtraction and one finiteness check in all instead
  // of one of each per parameter (each native call costs tens of microseconds of overhead).
  private final INDArray flatParameters;
  private final INDArray flatGradient;
  private final INDArray flatFirstMoment;
  private final INDArray flatSecondMoment;
  private final AdamUpdater updater;
  private final Map<String, INDArray> placeholderArrays = new HashMap<>();
  private final LagrangeMultipliers multipliers;
  // HIT's warm-up weight of the rates for the current epoch (1 without a warm-up)
  private double klWeight = 1;
  private long iteration;
  private boolean closed;

  private SameDiffVae(VaeWeights initial, Objective objective, double learningRate, DataType type) {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
    }
    this.graph = VaeGraph.create(initial, objective, type);
    this.sd = graph.sameDiff();
    this.parameters = graph.parameterNames();
    this.multipliers =
        objective instanceof Objective.LagVae lag
            ? new LagrangeMultipliers(lag.constraints(), lag.dualOptimizer())
            : null;
    long total = 0;
    for (String name : parameters) {
      total += sd.getVariable(name).getArr().length();
    }
    flatParameters = Nd4j.zeros(type, 1, total);
    flatGradient = Nd4j.zeros(type, 1, total);
    flatFirstMoment = Nd4j.zeros(type, 1, total);
    flatSecondMoment = Nd4j.zeros(type, 1, total);
    long offset = 0;
    for (String name : parameters) {
      INDArray start = sd.getVariable(name).getArr();
      long[] shape = start.shape();
      long n = start.length();
      INDArray p = view(flatParameters, offset, n, shape);
      p.assign(start);
      sd.associateArrayWithVariable(p, sd.getVariable(name));
      if (sd.getVariable(name).getArr() != p) {
        throw new IllegalStateException("SameDiff copied the parameter array of " + name);
      }
      release(start);
      gradientViews.put(name, view(flatGradient, offset, n, shape));
      firstMoments.put(name, view(flatFirstMoment, offset, n, shape));
      secondMoments.put(name, view(flatSecondMoment, offset, n, shape));
      offset += n;
    }
    updater = new AdamUpdater(new Adam(learningRate));
    updater.setState(
        Map.of(AdamUpdater.M_STATE, flatFirstMoment, AdamUpdater.V_STATE, flatSecondMoment), false);
  }

  /** Elements [offset, offset + n) of a flat [1, P] array as a row-major view of {@code shape}. */
  private static INDArray view(INDArray flat, long offset, long n, long[] shape) {
    return flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + n))
        .reshape('c', shape);
  }

  /** A float32 model. */
  public static SameDiffVae create(VaeWeights initial, Objective objective, double learningRate) {
    return new SameDiffVae(initial, objective, learningRate, DataType.FLOAT);
  }

  /** A model computing in {@code type} (DOUBLE for gradient checks). */
  static SameDiffVae create(
      VaeWeights initial, Objective objective, double learningRate, DataType type) {
    return new SameDiffVae(initial, objective, learningRate, type);
  }

  VaeGraph graph() {
    return graph;
  }

  @Override
  public VaeArchitecture architecture() {
    return graph.architecture();
  }

  @Override
  public Objective objective() {
    return graph.objective();
  }

  /** HIT's warm-up: sets the weight of the rates for the epoch's steps. */
  @Override
  public void startEpoch(int epoch) {
    if (graph.objective() instanceof Objective.Hit hit) {
      klWeight = hit.warmupWeight(epoch);
    }
  }

  /** Placeholder values for a batch; {@code dregWeight} may be null outside DReG. */
  Map<String, INDArray> placeholders(
      float[] x, int rows, float[][] eps, int k, float[] priorEps, INDArray dregWeight) {
    VaeArchitecture arch = graph.architecture();
    if (x.length != (long) rows * arch.inputDim()) {
      throw new IllegalArgumentException(
          "x has " + x.length + " values, " + rows + " rows of " + arch.inputDim() + " expected");
    }
    if (eps.length != arch.layerCount()) {
      throw new IllegalArgumentException(
          "eps has " + eps.length + " layers, the model " + arch.layerCount());
    }
    Map<String, INDArray> ph = new HashMap<>();
    ph.put(VaeGraph.X, array(VaeGraph.X, x, rows, arch.inputDim()));
    ph.put(
        VaeGraph.X_ROWS,
        array(VaeGraph.X_ROWS, repeatRows(x, rows, k), (long) rows * k, arch.inputDim()));
    for (int l = 0; l < arch.layerCount(); l++) {
      StochasticLayer layer = arch.layer(l);
      if (eps[l].length != (long) rows * k * layer.latentDim()) {
        throw new IllegalArgumentException(
            "eps of "
                + layer.name()
                + " has "
                + eps[l].length
                + " values, ["
                + rows
                + ", "
                + k
                + ", "
                + layer.latentDim()
                + "] expected");
      }
      ph.put(VaeGraph.eps(layer), array(VaeGraph.eps(layer), eps[l], rows, k, layer.latentDim()));
    }
    Objective objective = graph.objective();
    if (objective.drawsPriorBatch() && priorEps != null) {
      int d = arch.top().latentDim();
      if (priorEps.length % d != 0 || priorEps.length == 0) {
        throw new IllegalArgumentException(
            "priorEps has " + priorEps.length + " values, not whole rows of " + d);
      }
      ph.put(VaeGraph.PRIOR_EPS, array(VaeGraph.PRIOR_EPS, priorEps, priorEps.length / d, d));
    }
    if (multipliers != null) {
      ph.put(
          VaeGraph.CONSISTENCY_MULTIPLIER,
          Nd4j.scalar(graph.dataType(), multipliers.consistency()));
      ph.put(VaeGraph.MMD_MULTIPLIER, Nd4j.scalar(graph.dataType(), multipliers.mmd()));
    }
    if (objective instanceof Objective.Hit) {
      ph.put(VaeGraph.KL_WEIGHT, Nd4j.scalar(graph.dataType(), klWeight));
    }
    if (objective instanceof Objective.Dreg) {
      ph.put(
          VaeGraph.DREG_WEIGHT,
          dregWeight != null ? dregWeight : Nd4j.ones(graph.dataType(), rows, k));
    }
    return ph;
  }

  /** [rows, D] to [rows k, D], each row repeated k times in place. */
  private static float[] repeatRows(float[] x, int rows, int k) {
    if (k == 1) {
      return x;
    }
    int d = x.length / rows;
    float[] out = new float[x.length * k];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < k; j++) {
        System.arraycopy(x, i * d, out, (i * k + j) * d, d);
      }
    }
    return out;
  }

  /**
   * {@code values} as the placeholder {@code name}: float32 placeholders reuse the previous call's
   * array where the shape is the same (every full batch), copying the values into it.
   */
  private INDArray array(String name, float[] values, long... shape) {
    if (graph.dataType() != DataType.FLOAT) {
      return Nd4j.create(values, shape, 'c').castTo(graph.dataType());
    }
    INDArray previous = placeholderArrays.get(name);
    if (previous != null && Arrays.equals(previous.shape(), shape)) {
      // one bulk copy: DataBuffer.setData(float[]) writes element by element
      new FloatPointer(previous.data().addressPointer()).put(values);
      return previous;
    }
    INDArray a = Nd4j.create(values, shape, 'c');
    placeholderArrays.put(name, a);
    return a;
  }

  @Override
  public StepResult step(Batch batch) {
    checkOpen();
    // arrays handed out by earlier calls (outputs, evaluate) stay their receivers'
    SessionArrays.forget(sd);
    try {
      return update(evaluate(batch));
    } finally {
      // every array of this step's passes is consumed: the next step reuses them
      SessionArrays.recycle(sd, placeholderArrays.values());
    }
  }

  /** Adam on the gradient of one step's gradient pass; {@code result} is read, not kept. */
  private StepResult update(OutAndGrad result) {
    double bound = result.getOutputs().get(VaeGraph.BOUND).getDouble(0);
    // VIMCO's and RWS's surrogates are not objectives: their loss is the negative IWAE bound
    double loss =
        graph.objective().reparameterized()
            ? result.getOutputs().get(VaeGraph.LOSS).getDouble(0)
            : -bound;
    Map<String, INDArray> grads = result.getGradients();
    if (!Double.isFinite(loss) || !Double.isFinite(bound)) {
      throw new NonFiniteLossException(
          "loss " + loss + ", bound " + bound + " at step " + (iteration + 1));
    }
    for (String name : parameters) {
      INDArray g = grads.get(name);
      if (g == null) {
        throw new IllegalStateException("no gradient for " + name);
      }
      gradientViews.get(name).assign(g);
    }
    // a sum is finite only if every term is (and ND4J's sum is several times cheaper than a
    // MatchCondition pass over the same values)
    if (!Double.isFinite(flatGradient.sumNumber().doubleValue())) {
      throw new NonFiniteLossException(
          "gradient of " + nonFinite(grads) + " is not finite at step " + (iteration + 1));
    }
    Lagrangian lagrangian = null;
    if (graph.objective().constraints() != null) {
      Map<String, INDArray> out = result.getOutputs();
      double consistency = out.get(VaeGraph.NLL).getDouble(0) + out.get(VaeGraph.KL).getDouble(0);
      double mmd = out.get(VaeGraph.MMD).getDouble(0);
      lagrangian = lagrangian(consistency, mmd);
    }
    updater.applyUpdater(flatGradient, Math.toIntExact(iteration), 0);
    flatParameters.subi(flatGradient);
    iteration++;
    if (multipliers != null) {
      multipliers.update(lagrangian.consistency(), lagrangian.mmd());
      lagrangian = lagrangian(lagrangian.consistency(), lagrangian.mmd());
    }
    return new StepResult(loss, bound, lagrangian);
  }

  /**
   * The current multipliers (LagVAE's learned ones, InfoVAE's fixed e1 and e2) with a batch's
   * constraint values.
   */
  private Lagrangian lagrangian(double consistency, double mmd) {
    Objective.Constraints c = graph.objective().constraints();
    return multipliers != null
        ? new Lagrangian(multipliers.consistency(), multipliers.mmd(), consistency, mmd)
        : new Lagrangian(c.e1(), c.e2(), consistency, mmd);
  }

  /** LagVAE's multipliers; null for the other objectives. */
  LagrangeMultipliers multipliers() {
    return multipliers;
  }

  /** The first parameter whose gradient holds a NaN or an infinity. */
  private String nonFinite(Map<String, INDArray> grads) {
    for (String name : parameters) {
      INDArray g = grads.get(name);
      if (Nd4j.getExecutioner().exec(new MatchCondition(g, Conditions.notFinite())).getInt(0) > 0) {
        return name;
      }
    }
    return "a parameter";
  }

  /**
   * Loss, bound and every parameter's gradient on a batch, without an update; for DReG after the
   * forward pass that fixes w~.
   */
  OutAndGrad evaluate(Batch batch) {
    return gradients(stepPlaceholders(batch));
  }

  /**
   * Every placeholder of a step's gradient pass: the batch, and the constants that a forward pass
   * computes first (DReG's w~; the normalized weights and VIMCO's leave-one-out signals, from
   * {@link ImportanceSignals}).
   */
  Map<String, INDArray> stepPlaceholders(Batch batch) {
    Objective objective = graph.objective();
    int k = objective.samples();
    if (objective.drawsPriorBatch() && batch.priorEps() == null) {
      throw new IllegalArgumentException(objective.name() + " needs priorEps, got null");
    }
    Map<String, INDArray> ph =
        placeholders(batch.x(), batch.rows(), batch.eps(), k, batch.priorEps(), null);
    putCondition(ph, batch.y(), batch.rows(), k);
    if (objective instanceof Objective.Dreg) {
      INDArray logW = sd.output(ph, VaeGraph.LOG_W).get(VaeGraph.LOG_W);
      ph.put(VaeGraph.DREG_WEIGHT, normalizedWeights(logW));
    } else if (!objective.reparameterized()) {
      INDArray logW = sd.output(ph, VaeGraph.LOG_W).get(VaeGraph.LOG_W);
      double[] values = logW.castTo(DataType.DOUBLE).dup('c').data().asDouble();
      int rows = batch.rows();
      ph.put(
          VaeGraph.NORMALIZED_WEIGHT,
          signal(ImportanceSignals.normalizedWeights(values, rows, k), rows, k));
      if (objective instanceof Objective.Vimco) {
        ph.put(
            VaeGraph.VIMCO_SIGNAL,
            signal(ImportanceSignals.vimcoSignals(values, rows, k), rows, k));
      }
      if (objective instanceof Objective.Rws rws && rws.phi().sleep()) {
        putDreams(ph, batch.dreams(), rows);
      }
    }
    return ph;
  }

  private INDArray signal(double[] values, int rows, int k) {
    return Nd4j.createFromArray(values).reshape('c', rows, k).castTo(graph.dataType());
  }

  /** The sleep phase's dream noise, [rows, d_l] per layer and [rows, D]. */
  private void putDreams(Map<String, INDArray> ph, float[][] dreams, int rows) {
    VaeArchitecture arch = graph.architecture();
    int layers = arch.layerCount();
    if (dreams == null || dreams.length != layers + 1) {
      throw new IllegalArgumentException(
          "the sleep phase of rws needs dream noise for "
              + layers
              + " layers and x, got "
              + (dreams == null ? "none" : dreams.length + " arrays"));
    }
    for (int l = 0; l <= layers; l++) {
      int width = l < layers ? arch.layer(l).latentDim() : arch.inputDim();
      String name = l < layers ? VaeGraph.dreamEps(arch.layer(l)) : VaeGraph.DREAM_X_NOISE;
      if (dreams[l].length != (long) rows * width) {
        throw new IllegalArgumentException(
            name + " has " + dreams[l].length + " values, [" + rows + ", " + width + "] expected");
      }
      ph.put(name, Nd4j.create(dreams[l], new long[] {rows, width}, 'c').castTo(graph.dataType()));
    }
  }

  /** Loss, bound and every parameter's gradient for the given placeholders, no update. */
  OutAndGrad gradients(Map<String, INDArray> placeholders) {
    List<String> outputs =
        graph.objective().constraints() != null
            ? List.of(VaeGraph.LOSS, VaeGraph.BOUND, VaeGraph.NLL, VaeGraph.KL, VaeGraph.MMD)
            : List.of(VaeGraph.LOSS, VaeGraph.BOUND);
    return sd.calculateGradientsAndOutputs(placeholders, outputs, parameters);
  }

  /** w~ = softmax over the K samples of each row, [B, K]; a constant of the gradient pass. */
  private INDArray normalizedWeights(INDArray logW) {
    INDArray max = logW.max(true, 1);
    INDArray w = org.nd4j.linalg.ops.transforms.Transforms.exp(logW.subColumnVector(max), true);
    return w.diviColumnVector(w.sum(true, 1));
  }

  /**
   * Adds the condition placeholders y [rows, C] and y_rows [rows k, C] of a conditional model; y
   * must be null exactly when the model is unconditional.
   */
  void putCondition(Map<String, INDArray> ph, float[] y, int rows, int k) {
    int c = graph.architecture().conditionDim();
    if (c == 0) {
      if (y != null) {
        throw new IllegalArgumentException("an unconditional model takes no condition y");
      }
      return;
    }
    if (y == null || y.length != (long) rows * c) {
      throw new IllegalArgumentException(
          "y has "
              + (y == null ? "no" : Integer.toString(y.length))
              + " values, ["
              + rows
              + ", "
              + c
              + "] expected");
    }
    ph.put(VaeGraph.Y, Nd4j.create(y, new long[] {rows, c}, 'c').castTo(graph.dataType()));
    ph.put(
        VaeGraph.Y_ROWS,
        Nd4j.create(repeatRows(y, rows, k), new long[] {(long) rows * k, c}, 'c')
            .castTo(graph.dataType()));
  }

  @Override
  public float[] logWeights(float[] x, float[] y, int rows, float[][] eps, int k) {
    checkOpen();
    Map<String, INDArray> ph = placeholders(x, rows, eps, k, null, null);
    putCondition(ph, y, rows, k);
    SessionArrays.forget(sd);
    try {
      INDArray logW = sd.output(ph, VaeGraph.LOG_W).get(VaeGraph.LOG_W);
      return logW.castTo(DataType.FLOAT).dup('c').data().asFloat();
    } finally {
      SessionArrays.recycle(sd, placeholderArrays.values());
    }
  }

  /** Values of named graph outputs, e.g. encoder means, for the given inputs. */
  Map<String, INDArray> outputs(
      float[] x, int rows, float[][] eps, int k, float[] priorEps, String... names) {
    return outputs(x, null, rows, eps, k, priorEps, names);
  }

  /** As {@link #outputs(float[], int, float[][], int, float[], String...)}, given y. */
  Map<String, INDArray> outputs(
      float[] x, float[] y, int rows, float[][] eps, int k, float[] priorEps, String... names) {
    checkOpen();
    Map<String, INDArray> ph = placeholders(x, rows, eps, k, priorEps, null);
    putCondition(ph, y, rows, k);
    return sd.output(ph, names);
  }

  @Override
  public VaeWeights weights() {
    checkOpen();
    return graph.weights();
  }

  @Override
  public OptimizerSnapshot snapshot() {
    checkOpen();
    Map<String, float[]> arrays = new LinkedHashMap<>();
    for (String name : parameters) {
      arrays.put(PARAMETER + name, floats(sd.getVariable(name).getArr()));
      arrays.put(MOMENT1 + name, floats(firstMoments.get(name)));
      arrays.put(MOMENT2 + name, floats(secondMoments.get(name)));
    }
    if (multipliers != null) {
      double[] state = multipliers.state();
      float[] values = new float[state.length];
      for (int i = 0; i < state.length; i++) {
        values[i] = (float) state[i];
      }
      arrays.put(MULTIPLIERS, values);
    }
    return new OptimizerSnapshot(iteration, arrays);
  }

  @Override
  public void restore(OptimizerSnapshot snapshot) {
    checkOpen();
    Map<String, float[]> arrays = snapshot.arrays();
    int expected = 3 * parameters.size() + (multipliers != null ? 1 : 0);
    if (arrays.size() != expected) {
      throw new IllegalArgumentException(
          "snapshot has " + arrays.size() + " arrays, this model " + expected);
    }
    for (String name : parameters) {
      assign(sd.getVariable(name).getArr(), arrays.get(PARAMETER + name), name);
      assign(firstMoments.get(name), arrays.get(MOMENT1 + name), name);
      assign(secondMoments.get(name), arrays.get(MOMENT2 + name), name);
    }
    if (multipliers != null) {
      float[] values =
          Objects.requireNonNull(arrays.get(MULTIPLIERS), "snapshot lacks multipliers");
      double[] state = new double[values.length];
      for (int i = 0; i < values.length; i++) {
        state[i] = values[i];
      }
      multipliers.restore(state);
    }
    iteration = snapshot.iteration();
  }

  private static void assign(INDArray target, float[] values, String name) {
    Objects.requireNonNull(values, () -> "snapshot lacks " + name);
    if (values.length != target.length()) {
      throw new IllegalArgumentException(
          "snapshot array of "
              + name
              + " has "
              + values.length
              + " values, "
              + target.length()
              + " expected");
    }
    target.assign(Nd4j.create(values, target.shape(), 'c').castTo(target.dataType()));
  }

  private static float[] floats(INDArray a) {
    return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
  }

  private static void release(INDArray a) {
    if (a != null && a.closeable()) {
      a.close();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("model is closed");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      // SameDiff has no close(): release what this model allocated and drop the graph.
      release(flatParameters);
      release(flatGradient);
      release(flatFirstMoment);
      release(flatSecondMoment);
      placeholderArrays.values().forEach(SameDiffVae::release);
      sd.clearPlaceholders(true);
      sd.clearOpInputs();
    }
  }
}
