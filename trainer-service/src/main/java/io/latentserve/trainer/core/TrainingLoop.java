package io.latentserve.trainer.core;

import io.latentserve.datasets.Binarizer;
import io.latentserve.datasets.Dataset;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.Seeds;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.dvae.DvaeInitialization;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run: Adam on the objective over shuffled minibatches for the spec's epochs, then the
 * final training bound and the validation importance-weighted bound.
 *
 * <p>The run is a pure function of the spec and the data. Epoch e visits the training examples in a
 * permutation seeded by (seed, e); a Bernoulli model sees them binarized afresh every epoch
 * (dynamic binarization, as in the IWAE experiments), seeded by (seed, e) and each example's index;
 * step s (counted over the whole run) draws its noise from {@link LatentNoise} with the spec's seed
 * at rows {@code s * batchSize ...} (and, for the sleep phase of reweighted wake-sleep, its dreams
 * from {@link LatentNoise#dreams} at the same rows). A run resumed from a {@link Checkpoint}
 * therefore continues exactly as the uninterrupted run would have, given a deterministic engine.
 *
 * <p>Metrics, nats per example: {@code train_loss} (mean loss of the last epoch), {@code
 * train_<bound>} (the objective's bound, ELBO or IWAE with its k, over the whole training split
 * with fixed noise), {@code validation_<bound>} (ELBO for k = 1, else {@code iwae_k<k>} with the
 * spec's validation k, over the validation split binarized once); for LagVAE and InfoVAE stated by
 * its constraints also the multipliers and constraint values (see {@code putLagrangian}).
 */
public final class TrainingLoop {
  // Purposes of Seeds.derive; the numbers are fixed: a new one changes every job's draws.
  private static final long SHUFFLE_SEEDS = 1;
  private static final long BINARIZATION_SEEDS = 2;
  private static final long FINAL_BINARIZATION_SEEDS = 3;
  private static final long FINAL_NOISE_SEEDS = 4;
  private static final long VALIDATION_BINARIZATION_SEEDS = 5;
  private static final long VALIDATION_NOISE_SEEDS = 6;

  /** Receives progress; called on the training thread, so it must return quickly. */
  public interface Listener {
    void onProgress(TrainingProgress progress);
  }

  /** Importance samples per graph call during evaluation: bounds memory, [rows, K, D] floats. */
  static final int EVALUATION_SAMPLES_PER_CALL = 4096;

  private static final Logger log = LoggerFactory.getLogger(TrainingLoop.class);

  private final TrainingSpec spec;
  private final TrainingData data;
  private final TrainingBackend backend;
  private final CheckpointStore checkpoints;
  private final Duration checkpointInterval;
  private final Duration progressInterval;
  private final LongSupplier nanoTime;

  /**
   * @param checkpointInterval the least time between two checkpoints within an epoch; every epoch's
   *     end is checkpointed
   * @param progressInterval the least time between two progress events within an epoch; every
   *     epoch's end is reported
   */
  public TrainingLoop(
      TrainingSpec spec,
      TrainingData data,
      TrainingBackend backend,
      CheckpointStore checkpoints,
      Duration checkpointInterval,
      Duration progressInterval,
      LongSupplier nanoTime) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.data = Objects.requireNonNull(data, "data");
    this.backend = Objects.requireNonNull(backend, "backend");
    this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
    this.checkpointInterval = Objects.requireNonNull(checkpointInterval, "checkpointInterval");
    this.progressInterval = Objects.requireNonNull(progressInterval, "progressInterval");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    if (data.train().dimension() != spec.architecture().inputDim()) {
      throw new InvalidSpecException(
          "spec.architecture",
          "the architecture takes "
              + spec.architecture().inputDim()
              + " features, dataset "
              + spec.dataset()
              + " has "
              + data.train().dimension());
    }
  }

  /** Optimizer steps per epoch: the last batch of an epoch may be smaller. */
  public static int stepsPerEpoch(int examples, int batchSize) {
    return (examples + batchSize - 1) / batchSize;
  }

  /**
   * Trains (resuming from the latest checkpoint, if any) and evaluates.
   *
   * @param cancelled polled before every step and evaluation chunk
   * @throws JobCancelledException when {@code cancelled} turns true
   * @throws NonFiniteLossException when a step's loss or gradient is not finite
   */
  public TrainingResult run(Listener listener, BooleanSupplier cancelled) {
    VaeArchitecture architecture = spec.architecture();
    Dataset train = data.train();
    int n = train.size();
    int batch = spec.batchSize();
    int stepsPerEpoch = stepsPerEpoch(n, batch);
    long totalSteps = (long) stepsPerEpoch * spec.epochs();
    int k = spec.objective().samples();
    int dim = architecture.inputDim();
    boolean bernoulli = architecture.likelihood() == LikelihoodFamily.BERNOULLI;
    boolean info = spec.objective().drawsPriorBatch();
    boolean sleep = spec.objective() instanceof Objective.Rws rws && rws.phi().sleep();

    VaeWeights initial = VaeWeights.random(architecture, spec.seed());
    if (spec.objective() instanceof Objective.Dvae) {
      initial = DvaeInitialization.initial(initial, featureMean(train));
    }
    try (TrainableVae model = backend.create(initial, spec.objective(), spec.learningRate())) {
      Checkpoint start = checkpoints.load().orElse(null);
      int epoch = 0;
      int stepInEpoch = 0;
      double lossSum = 0;
      double boundSum = 0;
      if (start != null) {
        model.restore(start.model());
        epoch = start.epoch();
        stepInEpoch = start.stepInEpoch();
        lossSum = start.lossSum();
        boundSum = start.boundSum();
        log.info(
            "{}: resuming at epoch {} step {} of {}",
            spec.modelName(),
            epoch,
            stepInEpoch,
            stepsPerEpoch);
      }

      model.begin(totalSteps, spec.seed());
      Rate rate = new Rate(nanoTime);
      long lastCheckpoint = nanoTime.getAsLong();
      long lastProgress = nanoTime.getAsLong() - progressInterval.toNanos() - 1;
      double lastEpochLoss = Double.NaN;
      double lastEpochBound = Double.NaN;
      ConstraintMeans constraints = new ConstraintMeans();
      Lagrangian lastEpochLagrangian = null;
      float[] x = new float[batch * dim];
      for (; epoch < spec.epochs(); epoch++) {
        int[] order = permutation(n, Seeds.derive(spec.seed(), SHUFFLE_SEEDS, epoch));
        Binarizer binarizer =
            bernoulli ? new Binarizer(Seeds.derive(spec.seed(), BINARIZATION_SEEDS, epoch)) : null;
        model.startEpoch(epoch);
        for (; stepInEpoch < stepsPerEpoch; stepInEpoch++) {
          if (cancelled.getAsBoolean()) {
            throw new JobCancelledException(
                "cancelled at epoch " + epoch + ", step " + stepInEpoch);
          }
          int from = stepInEpoch * batch;
          int rows = Math.min(batch, n - from);
          float[] xs = rows == batch ? x : new float[rows * dim];
          gather(train, order, from, rows, binarizer, xs);
          float[] y = conditions(train, order, from, rows, architecture.conditionDim());
          long step = (long) epoch * stepsPerEpoch + stepInEpoch;
          long firstRow = step * batch;
          float[][] eps = LatentNoise.latent(architecture, spec.seed(), firstRow, rows, k);
          float[] prior =
              info ? LatentNoise.prior(architecture, spec.seed(), firstRow * k, rows * k) : null;
          float[][] dreams =
              sleep ? LatentNoise.dreams(architecture, spec.seed(), firstRow, rows) : null;
          TrainableVae.StepResult result =
              model.step(new TrainableVae.Batch(xs, rows, eps, prior, y, dreams));
          lossSum += result.loss() * rows;
          boundSum += result.bound() * rows;
          constraints.add(result.lagrangian(), rows);
          rate.tick();
          int done = stepInEpoch + 1;
          long now = nanoTime.getAsLong();
          if (done < stepsPerEpoch && now - lastProgress >= progressInterval.toNanos()) {
            lastProgress = now;
            int seen = Math.min(done * batch, n);
            listener.onProgress(
                progress(
                    TrainingProgress.Phase.TRAINING,
                    epoch + 1,
                    step + 1,
                    totalSteps,
                    lossSum / seen,
                    boundSum / seen,
                    Double.NaN,
                    rate,
                    constraints.mean()));
          }
          if (done < stepsPerEpoch && now - lastCheckpoint >= checkpointInterval.toNanos()) {
            checkpoints.save(new Checkpoint(epoch, done, lossSum, boundSum, model.snapshot()));
            lastCheckpoint = nanoTime.getAsLong();
          }
        }
        lastEpochLoss = lossSum / n;
        lastEpochBound = boundSum / n;
        lastEpochLagrangian = constraints.mean();
        long step = (long) (epoch + 1) * stepsPerEpoch;
        checkpoints.save(new Checkpoint(epoch + 1, 0, 0, 0, model.snapshot()));
        lastCheckpoint = nanoTime.getAsLong();
        log.info(
            "{}: epoch {}/{} loss {} bound {} ({} steps/s)",
            spec.modelName(),
            epoch + 1,
            spec.epochs(),
            String.format("%.3f", lastEpochLoss),
            String.format("%.3f", lastEpochBound),
            String.format("%.1f", rate.perSecond()));
        listener.onProgress(
            progress(
                TrainingProgress.Phase.TRAINING,
                epoch + 1,
                step,
                totalSteps,
                lastEpochLoss,
                lastEpochBound,
                Double.NaN,
                rate,
                lastEpochLagrangian));
        constraints = new ConstraintMeans();
        stepInEpoch = 0;
        lossSum = 0;
        boundSum = 0;
      }
      if (start != null && start.epoch() >= spec.epochs()) {
        // resumed after the last epoch: the epoch means are not in the checkpoint
        lastEpochLoss = Double.NaN;
      }

      Map<String, Double> metrics = new LinkedHashMap<>();
      if (!Double.isNaN(lastEpochLoss)) {
        metrics.put("train_loss", lastEpochLoss);
      }
      listener.onProgress(
          progress(
              TrainingProgress.Phase.EVALUATING,
              spec.epochs(),
              totalSteps,
              totalSteps,
              lastEpochLoss,
              lastEpochBound,
              Double.NaN,
              rate,
              lastEpochLagrangian));
      double trainBound =
          bound(
              model,
              train,
              k,
              bernoulli
                  ? new Binarizer(Seeds.derive(spec.seed(), FINAL_BINARIZATION_SEEDS, 0))
                  : null,
              Seeds.derive(spec.seed(), FINAL_NOISE_SEEDS, 0),
              cancelled);
      metrics.put("train_" + boundName(k), trainBound);
      int validationK = spec.validationK();
      double validationBound =
          bound(
              model,
              data.validation(),
              validationK,
              bernoulli
                  ? new Binarizer(Seeds.derive(spec.seed(), VALIDATION_BINARIZATION_SEEDS, 0))
                  : null,
              Seeds.derive(spec.seed(), VALIDATION_NOISE_SEEDS, 0),
              cancelled);
      metrics.put("validation_" + boundName(validationK), validationBound);
      putLagrangian(metrics, lastEpochLagrangian, k, trainBound);
      log.info(
          "{}: train {} {}, validation {} {}",
          spec.modelName(),
          boundName(k),
          String.format("%.3f", trainBound),
          boundName(validationK),
          String.format("%.3f", validationBound));
      listener.onProgress(
          progress(
              TrainingProgress.Phase.EVALUATING,
              spec.epochs(),
              totalSteps,
              totalSteps,
              lastEpochLoss,
              trainBound,
              validationBound,
              rate,
              lastEpochLagrangian));
      return new TrainingResult(model.weights(), metrics);
    }
  }

  /** The mean of each feature over {@code dataset}, [D]. */
  static float[] featureMean(Dataset dataset) {
    int dim = dataset.dimension();
    double[] sum = new double[dim];
    float[] row = new float[dim];
    for (int i = 0; i < dataset.size(); i++) {
      dataset.copyRows(i, i + 1, row, 0);
      for (int f = 0; f < dim; f++) {
        sum[f] += row[f];
      }
    }
    float[] mean = new float[dim];
    for (int f = 0; f < dim; f++) {
      mean[f] = (float) (sum[f] / dataset.size());
    }
    return mean;
  }

  /** "elbo" for k = 1, else "iwae_k" + k. */
  public static String boundName(int k) {
    return k == 1 ? "elbo" : "iwae_k" + k;
  }

  /**
   * The mean over {@code dataset} of log (1/k) sum_i w_i, nats per example, with noise seeded by
   * {@code noiseSeed} at each example's index.
   */
  static double bound(
      TrainableVae model,
      Dataset dataset,
      int k,
      Binarizer binarizer,
      long noiseSeed,
      BooleanSupplier cancelled) {
    VaeArchitecture architecture = model.architecture();
    int dim = architecture.inputDim();
    int n = dataset.size();
    int rowsPerCall = Math.max(1, EVALUATION_SAMPLES_PER_CALL / k);
    int samplesPerCall = Math.min(k, EVALUATION_SAMPLES_PER_CALL);
    double sum = 0;
    for (int from = 0; from < n; from += rowsPerCall) {
      int rows = Math.min(rowsPerCall, n - from);
      float[] x = new float[rows * dim];
      dataset.copyRows(from, from + rows, x, 0);
      float[] y = conditions(dataset, null, from, rows, architecture.conditionDim());
      if (binarizer != null) {
        for (int r = 0; r < rows; r++) {
          binarizer.binarize(from + r, x, r * dim, x, r * dim, dim);
        }
      }
      double[] max = new double[rows];
      double[] sumExp = new double[rows];
      java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
      for (int offset = 0; offset < k; offset += samplesPerCall) {
        if (cancelled.getAsBoolean()) {
          throw new JobCancelledException("cancelled while evaluating");
        }
        int count = Math.min(samplesPerCall, k - offset);
        float[][] eps = LatentNoise.latent(architecture, noiseSeed, from, rows, offset, count);
        float[] logW = model.logWeights(x, y, rows, eps, count);
        for (int r = 0; r < rows; r++) {
          for (int j = 0; j < count; j++) {
            double v = logW[r * count + j];
            if (v > max[r]) {
              sumExp[r] = sumExp[r] * Math.exp(max[r] - v) + 1;
              max[r] = v;
            } else {
              sumExp[r] += Math.exp(v - max[r]);
            }
          }
        }
      }
      for (int r = 0; r < rows; r++) {
        sum += max[r] + Math.log(sumExp[r] / k);
      }
    }
    double mean = sum / n;
    if (!Double.isFinite(mean)) {
      throw new NonFiniteLossException("the bound over " + dataset.name() + " is " + mean);
    }
    return mean;
  }

  private static void gather(
      Dataset dataset, int[] order, int from, int rows, Binarizer binarizer, float[] out) {
    int dim = dataset.dimension();
    for (int r = 0; r < rows; r++) {
      int example = order[from + r];
      dataset.copyRows(example, example + 1, out, r * dim);
      if (binarizer != null) {
        binarizer.binarize(example, out, r * dim, out, r * dim, dim);
      }
    }
  }

  /**
   * The one-hot labels [rows, classes] of examples {@code order[from..from+rows)} (or {@code
   * from..from+rows} when {@code order} is null), the condition of a conditional model; null when
   * {@code classes} is 0.
   */
  static float[] conditions(Dataset dataset, int[] order, int from, int rows, int classes) {
    if (classes == 0) {
      return null;
    }
    float[] y = new float[rows * classes];
    for (int r = 0; r < rows; r++) {
      int example = order == null ? from + r : order[from + r];
      int label = dataset.label(example);
      if (label < 0 || label >= classes) {
        throw new IllegalArgumentException(
            "example "
                + example
                + " of "
                + dataset.name()
                + " has label "
                + label
                + ", the model conditions on "
                + classes
                + " classes");
      }
      y[r * classes + label] = 1f;
    }
    return y;
  }

  /** A uniformly random permutation of [0, n) (Fisher-Yates). */
  static int[] permutation(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  private static TrainingProgress progress(
      TrainingProgress.Phase phase,
      int epoch,
      long step,
      long totalSteps,
      double loss,
      double trainBound,
      double validationBound,
      Rate rate,
      Lagrangian lagrangian) {
    double perSecond = rate.perSecond();
    Duration eta =
        step >= totalSteps
            ? Duration.ZERO
            : perSecond > 0
                ? Duration.ofMillis((long) Math.ceil((totalSteps - step) / perSecond * 1000))
                : null;
    return new TrainingProgress(
        phase,
        epoch,
        step,
        totalSteps,
        loss,
        trainBound,
        validationBound,
        perSecond,
        eta,
        lagrangian);
  }

  /**
   * The final metrics of a Lagrangian objective: the multipliers at the end ({@code
   * lagrange_multiplier_consistency}, {@code lagrange_multiplier_mmd}), the last epoch's mean
   * constraint values ({@code last_epoch_consistency}, {@code last_epoch_mmd}, 1e4 MMD), and, with
   * one sample, {@code train_consistency}: NLL + KL over the whole train split with fixed noise,
   * which is minus the train ELBO.
   */
  private static void putLagrangian(
      Map<String, Double> metrics, Lagrangian last, int k, double trainBound) {
    if (last == null) {
      return;
    }
    metrics.put("lagrange_multiplier_consistency", last.consistencyMultiplier());
    metrics.put("lagrange_multiplier_mmd", last.mmdMultiplier());
    metrics.put("last_epoch_consistency", last.consistency());
    metrics.put("last_epoch_mmd", last.mmd());
    if (k == 1) {
      metrics.put("train_consistency", -trainBound);
    }
  }

  /**
   * Running means of the constraint values since the epoch's start (or this process's resume), with
   * the latest multipliers; empty for objectives without them.
   */
  private static final class ConstraintMeans {
    private double consistencySum;
    private double mmdSum;
    private long rows;
    private Lagrangian latest;

    void add(Lagrangian step, int batchRows) {
      if (step == null) {
        return;
      }
      consistencySum += step.consistency() * batchRows;
      mmdSum += step.mmd() * batchRows;
      rows += batchRows;
      latest = step;
    }

    /** Null before the first step or for an objective without multipliers. */
    Lagrangian mean() {
      if (latest == null) {
        return null;
      }
      return new Lagrangian(
          latest.consistencyMultiplier(),
          latest.mmdMultiplier(),
          consistencySum / rows,
          mmdSum / rows);
    }
  }

  /** Steps per second since the first step of this process's run. */
  private static final class Rate {
    private final LongSupplier nanoTime;
    private long first;
    private long last;
    private long ticks;

    Rate(LongSupplier nanoTime) {
      this.nanoTime = nanoTime;
    }

    void tick() {
      long now = nanoTime.getAsLong();
      if (ticks == 0) {
        first = now;
      }
      last = now;
      ticks++;
    }

    /** Over the steps after the first (the first pays for graph setup). */
    double perSecond() {
      return ticks < 2 || last == first ? 0 : (ticks - 1) * 1e9 / (last - first);
    }
  }
}
