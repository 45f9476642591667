package io.latentserve.trainer.samediff;

import io.latentserve.model.LogPartition;
import io.latentserve.model.Rbm;
import io.latentserve.model.RbmAis;
import io.latentserve.model.Seeds;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.NonFiniteLossException;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.OptimizerSnapshot;
import io.latentserve.trainer.core.TrainableVae;
import io.latentserve.trainer.core.dvae.PersistentChains;
import io.latentserve.trainer.core.dvae.Smoothing;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TrainableVae} for the DVAE family ({@link Objective.Dvae}) on a {@link DvaeGraph}: Adam
 * with the original code's epsilon 1e-3, its learning-rate schedule and KL warm-up (which need
 * {@link #begin}), the relaxed samples drawn in Java from a first forward pass, and the RBM prior's
 * log Z gradient from {@link PersistentChains}.
 *
 * <p>Randomness: the latent z of each sample follows the batch's logistic noise (z = 1 iff logit +
 * eps > 0, as the bundle samples it); the uniform that places zeta within r(zeta|z) and the chains'
 * draws are seeded by (seed, step), so a run restored from a {@link #snapshot()} (which holds the
 * chains) continues exactly.
 *
 * <p>{@link #logWeights} are the discrete model's, with log Z from annealed importance sampling
 * ({@link RbmAis}, the objective's {@link Objective.Ais} settings), computed once per set of
 * weights; {@link #weights()} carries that log Z.
 */
public final class SameDiffDvae implements TrainableVae {
  private static final Logger log = LoggerFactory.getLogger(SameDiffDvae.class);
  private static final long ZETA_SEEDS = 0x7a657461L; // "zeta"
  private static final long AIS_SEEDS = 0x616973L; // "ais"
  private static final String PARAMETER = "param/";
  private static final String MOMENT1 = "adam_m/";
  private static final String MOMENT2 = "adam_v/";
  private static final String CHAINS = "pcd_chains";

  /** Adam's epsilon in the original code. */
  static final double ADAM_EPSILON = 1e-3;

  private final DvaeGraph graph;
  private final SameDiff sd;
  private final Objective.Dvae objective;
  private final Smoothing smoothing;
  private final List<String> parameters;
  private final Map<String, INDArray> gradientViews = new LinkedHashMap<>();
  private final Map<String, INDArray> firstMoments = new LinkedHashMap<>();
  private final Map<String, INDArray> secondMoments = new LinkedHashMap<>();
  private final INDArray flatParameters;
  private final INDArray flatGradient;
  private final INDArray flatFirstMoment;
  private final INDArray flatSecondMoment;
  private final AdamUpdater updater;
  private long totalSteps = 1;
  private long seed;
  private PersistentChains chains;
  private long iteration;
  private LogPartition logPartition;
  private long logPartitionIteration = -1;
  private boolean closed;

  private SameDiffDvae(
      VaeWeights initial, Objective.Dvae objective, double learningRate, DataType type) {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
    }
    objective.check(initial.architecture());
    this.objective = objective;
    this.smoothing = objective.smoothing();
    this.graph = new DvaeGraph(initial, objective, type);
    this.sd = graph.sameDiff();
    this.parameters = graph.parameterNames();
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
      long n = start.length();
      INDArray p = view(flatParameters, offset, n, start.shape());
      p.assign(start);
      sd.associateArrayWithVariable(p, sd.getVariable(name));
      gradientViews.put(name, view(flatGradient, offset, n, start.shape()));
      firstMoments.put(name, view(flatFirstMoment, offset, n, start.shape()));
      secondMoments.put(name, view(flatSecondMoment, offset, n, start.shape()));
      offset += n;
    }
    updater = new AdamUpdater(new Adam(learningRate, 0.9, 0.999, ADAM_EPSILON));
    updater.setState(
        Map.of(AdamUpdater.M_STATE, flatFirstMoment, AdamUpdater.V_STATE, flatSecondMoment), false);
    sd.createGradFunction();
    begin(1, 0);
  }

  /** A float32 model. */
  public static SameDiffDvae create(
      VaeWeights initial, Objective.Dvae objective, double learningRate) {
    return new SameDiffDvae(initial, objective, learningRate, DataType.FLOAT);
  }

  /** A model computing in {@code type} (DOUBLE for gradient checks). */
  static SameDiffDvae create(
      VaeWeights initial, Objective.Dvae objective, double learningRate, DataType type) {
    return new SameDiffDvae(initial, objective, learningRate, type);
  }

  private static INDArray view(INDArray flat, long offset, long n, long[] shape) {
    return flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + n))
        .reshape('c', shape);
  }

  DvaeGraph graph() {
    return graph;
  }

  @Override
  public VaeArchitecture architecture() {
    return graph.architecture();
  }

  @Override
  public Objective objective() {
    return objective;
  }

  @Override
  public void begin(long totalSteps, long seed) {
    this.totalSteps = Math.max(1, totalSteps);
    this.seed = seed;
    float[] state = chains == null ? null : chains.state();
    chains = new PersistentChains(objective.pcd().chains(), graph.n1(), graph.n2(), seed);
    if (state != null && iteration > 0) {
      chains.restore(state);
    }
  }

  /** Steps taken. */
  long iteration() {
    return iteration;
  }

  @Override
  public StepResult step(Batch batch) {
    checkOpen();
    Map<String, INDArray> ph = stepPlaceholders(batch, iteration);
    FreshArrays.onThisThread(sd);
    OutAndGrad result =
        sd.calculateGradientsAndOutputs(ph, List.of(DvaeGraph.LOSS, DvaeGraph.BOUND), parameters);
    double loss = result.getOutputs().get(DvaeGraph.LOSS).getDouble(0);
    double bound = result.getOutputs().get(DvaeGraph.BOUND).getDouble(0);
    if (!Double.isFinite(loss) || !Double.isFinite(bound)) {
      throw new NonFiniteLossException(
          "loss " + loss + ", bound " + bound + " at step " + (iteration + 1));
    }
    Map<String, INDArray> grads = result.getGradients();
    for (String name : parameters) {
      INDArray g = grads.get(name);
      if (g == null) {
        throw new IllegalStateException("no gradient for " + name);
      }
      gradientViews.get(name).assign(g);
    }
    if (!Double.isFinite(flatGradient.sumNumber().doubleValue())) {
      throw new NonFiniteLossException("gradient is not finite at step " + (iteration + 1));
    }
    updater.applyUpdater(flatGradient, Math.toIntExact(iteration), 0);
    // Adam's update is linear in the learning rate: scaling it applies the schedule
    flatGradient.muli(Objective.Dvae.learningRateScale(iteration, totalSteps));
    flatParameters.subi(flatGradient);
    iteration++;
    return new StepResult(loss, bound);
  }

  /**
   * Every placeholder of the gradient pass at {@code step}: the batch, the relaxed samples and
   * their gradients from a forward pass for the posterior, the warm-up weight and the chains'
   * statistics after this step's sweeps.
   */
  Map<String, INDArray> stepPlaceholders(Batch batch, long step) {
    int rows = batch.rows();
    int k = objective.k();
    int d = graph.architecture().layer(0).latentDim();
    Map<String, INDArray> ph = inputs(batch.x(), rows, k);
    FreshArrays.onThisThread(sd);
    double[] logits =
        doubles(
            sd.output(Map.of(DvaeGraph.X, ph.get(DvaeGraph.X)), DvaeGraph.LOGITS)
                .get(DvaeGraph.LOGITS));
    float[] eps = batch.eps()[0];
    if (eps.length != (long) rows * k * d) {
      throw new IllegalArgumentException(
          "eps has " + eps.length + " values, [" + rows + ", " + k + ", " + d + "] expected");
    }
    double[] zeta = new double[rows * k * d];
    double[] grad = new double[rows * k * d];
    SplittableRandom random = new SplittableRandom(Seeds.derive(seed, ZETA_SEEDS, step));
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < k; j++) {
        for (int u = 0; u < d; u++) {
          double l = logits[r * d + u];
          double q = Smoothing.clip(1 / (1 + Math.exp(-l)));
          int i = (r * k + j) * d + u;
          double z = smoothing.sample(l + eps[i] > 0, random.nextDouble());
          zeta[i] = z;
          grad[i] = smoothing.gradient(q, z);
        }
      }
    }
    DataType type = graph.dataType();
    ph.put(DvaeGraph.ZETA, Nd4j.createFromArray(zeta).reshape('c', rows, k, d).castTo(type));
    ph.put(DvaeGraph.ZETA_GRAD, Nd4j.createFromArray(grad).reshape('c', rows, k, d).castTo(type));
    ph.put(DvaeGraph.KAPPA, Nd4j.scalar(type, Objective.Dvae.klWeight(step, totalSteps)));
    PersistentChains.Statistics stats = chains.advance(graph.rbm(), objective.pcd().sweeps(), step);
    ph.put(
        DvaeGraph.PCD_MEAN1,
        Nd4j.createFromArray(stats.mean1()).reshape(1, graph.n1()).castTo(type));
    ph.put(
        DvaeGraph.PCD_MEAN2,
        Nd4j.createFromArray(stats.mean2()).reshape(1, graph.n2()).castTo(type));
    ph.put(
        DvaeGraph.PCD_CORRELATION,
        Nd4j.createFromArray(stats.correlation())
            .reshape('c', graph.n1(), graph.n2())
            .castTo(type));
    return ph;
  }

  /** Loss, bound and gradients for given placeholders, no update (gradient checks). */
  OutAndGrad gradients(Map<String, INDArray> placeholders) {
    FreshArrays.onThisThread(sd);
    return sd.calculateGradientsAndOutputs(
        placeholders, List.of(DvaeGraph.LOSS, DvaeGraph.BOUND), parameters);
  }

  private Map<String, INDArray> inputs(float[] x, int rows, int k) {
    int dim = graph.architecture().inputDim();
    if (x.length != (long) rows * dim) {
      throw new IllegalArgumentException(
          "x has " + x.length + " values, " + rows + " rows of " + dim + " expected");
    }
    DataType type = graph.dataType();
    Map<String, INDArray> ph = new HashMap<>();
    ph.put(DvaeGraph.X, Nd4j.create(x, new long[] {rows, dim}, 'c').castTo(type));
    float[] repeated = new float[x.length * k];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < k; j++) {
        System.arraycopy(x, r * dim, repeated, (r * k + j) * dim, dim);
      }
    }
    ph.put(
        DvaeGraph.X_ROWS,
        Nd4j.create(repeated, new long[] {(long) rows * k, dim}, 'c').castTo(type));
    return ph;
  }

  /**
   * The discrete model's log w = log p(x|z) + log p(z) - log q(z|x), log p(z) = -E(z) - log Z with
   * log Z by AIS; z = 1 iff logit + eps > 0.
   */
  @Override
  public float[] logWeights(float[] x, float[] y, int rows, float[][] eps, int k) {
    checkOpen();
    if (y != null) {
      throw new IllegalArgumentException("a DVAE model takes no condition y");
    }
    int d = graph.architecture().layer(0).latentDim();
    Map<String, INDArray> ph = inputs(x, rows, k);
    ph.put(
        DvaeGraph.EPS_Z,
        Nd4j.create(eps[0], new long[] {rows, k, d}, 'c').castTo(graph.dataType()));
    double logZ = logPartition().logZ();
    FreshArrays.onThisThread(sd);
    double[] logW = doubles(sd.output(ph, DvaeGraph.LOG_W_DISCRETE).get(DvaeGraph.LOG_W_DISCRETE));
    float[] out = new float[logW.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (logW[i] - logZ);
    }
    return out;
  }

  /** log Z of the current RBM by AIS, estimated once per set of weights. */
  LogPartition logPartition() {
    if (logPartitionIteration != iteration || logPartition == null) {
      Objective.Ais ais = objective.ais();
      logPartition =
          RbmAis.run(
                  graph.rbm(),
                  new RbmAis.Settings(
                      ais.temperatures(), ais.chains(), Seeds.derive(seed, AIS_SEEDS, iteration)))
              .logPartition();
      logPartitionIteration = iteration;
      log.info(
          "log Z of the RBM prior after {} steps by AIS ({} temperatures, {} chains): {} +- {}",
          iteration,
          ais.temperatures(),
          ais.chains(),
          String.format("%.3f", logPartition.logZ()),
          String.format("%.3f", logPartition.standardError()));
    }
    return logPartition;
  }

  /** The weights with the RBM prior and its log Z by AIS (computed here when not yet known). */
  @Override
  public VaeWeights weights() {
    checkOpen();
    return graph.weights().withLogPartition(logPartition());
  }

  /** The RBM prior's current parameters. */
  Rbm rbm() {
    return graph.rbm();
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
    arrays.put(CHAINS, chains.state());
    return new OptimizerSnapshot(iteration, arrays);
  }

  @Override
  public void restore(OptimizerSnapshot snapshot) {
    checkOpen();
    Map<String, float[]> arrays = snapshot.arrays();
    if (arrays.size() != 3 * parameters.size() + 1) {
      throw new IllegalArgumentException(
          "snapshot has " + arrays.size() + " arrays, this model " + (3 * parameters.size() + 1));
    }
    for (String name : parameters) {
      assign(sd.getVariable(name).getArr(), arrays.get(PARAMETER + name), name);
      assign(firstMoments.get(name), arrays.get(MOMENT1 + name), name);
      assign(secondMoments.get(name), arrays.get(MOMENT2 + name), name);
    }
    chains.restore(Objects.requireNonNull(arrays.get(CHAINS), "snapshot lacks pcd chains"));
    iteration = snapshot.iteration();
  }

  private static void assign(INDArray target, float[] values, String name) {
    Objects.requireNonNull(values, () -> "snapshot lacks " + name);
    if (values.length != target.length()) {
      throw new IllegalArgumentException(
          "snapshot array of " + name + " has " + values.length + " values, " + target.length());
    }
    target.assign(Nd4j.create(values, target.shape(), 'c').castTo(target.dataType()));
  }

  private static float[] floats(INDArray a) {
    return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
  }

  private static double[] doubles(INDArray a) {
    return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
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
      for (INDArray a : List.of(flatParameters, flatGradient, flatFirstMoment, flatSecondMoment)) {
        if (a.closeable()) {
          a.close();
        }
      }
      sd.clearPlaceholders(true);
      sd.clearOpInputs();
    }
  }
}
