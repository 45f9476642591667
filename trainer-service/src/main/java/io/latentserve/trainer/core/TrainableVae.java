package io.latentserve.trainer.core;

import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;

/**
 * A VAE under training with its optimizer state: the port that a training engine (SameDiff)
 * implements. It draws no random numbers: the caller passes every noise tensor, so that training is
 * a pure function of the data, the initial weights and the noise seed. Not thread-safe; owns native
 * memory until {@link #close()}.
 */
public interface TrainableVae extends AutoCloseable {
  VaeArchitecture architecture();

  Objective objective();

  /**
   * One optimizer step on a batch.
   *
   * @return the objective's loss and bound on this batch before the step, nats per example
   */
  StepResult step(Batch batch);

  /**
   * log w = log p(x|z) + log p(z) - log q(z|x) for K samples per row, with the current weights.
   *
   * @param x [rows, D] row-major float32
   * @param eps noise per layer, bottom-up, each [rows, k, d_l] row-major
   * @return [rows, k] row-major, nats
   */
  default float[] logWeights(float[] x, int rows, float[][] eps, int k) {
    return logWeights(x, null, rows, eps, k);
  }

  /**
   * As {@link #logWeights(float[], int, float[][], int)}, given the condition y of a conditional
   * model: log p(x|z, y) + log p(z|y) - log q(z|x, y).
   *
   * @param y [rows, C] row-major for a conditional model (C = its conditionDim), else null
   */
  float[] logWeights(float[] x, float[] y, int rows, float[][] eps, int k);

  /**
   * Called before the first step of each epoch (0-based), resumed epochs included: for objectives
   * whose loss depends on the epoch, such as HIT's warm-up of its rates. Does nothing by default.
   */
  default void startEpoch(int epoch) {}

  /**
   * Called once before the first step of a run (and of a resumed run) with the run's length and
   * seed: a model whose objective has a schedule (the DVAE family's learning rate and KL warm-up)
   * or random state of its own (persistent chains) reads them here; the others ignore it.
   *
   * @param totalSteps optimizer steps of the whole run
   * @param seed the spec's seed
   */
  default void begin(long totalSteps, long seed) {}

  /** The current weights, as the bundle writer takes them. */
  VaeWeights weights();

  /** Everything needed to resume training bit for bit: weights, Adam moments and step count. */
  OptimizerSnapshot snapshot();

  /** Restores a {@link #snapshot()} taken from a model of the same architecture and objective. */
  void restore(OptimizerSnapshot snapshot);

  @Override
  void close();

  /**
   * One training batch.
   *
   * @param x [rows, D] row-major
   * @param eps noise per layer, bottom-up, each [rows, K, d_l] with K = the objective's samples
   * @param priorEps [m, d_top] draws of N(0, I) for the InfoVAE and LagVAE MMD (a conditional model
   *     shifts and scales them by its prior p(z|y), one per sample row: m = rows K); null for the
   *     other objectives
   * @param y [rows, C] the condition of a conditional model (one-hot labels), else null
   * @param dreams the noise of one ancestral sample (x', z') ~ p per row for the sleep-phi term of
   *     reweighted wake-sleep, as {@link LatentNoise#dreams} lays it out (per layer [rows, d_l],
   *     then the observation noise [rows, D]); null for the other objectives
   */
  record Batch(float[] x, int rows, float[][] eps, float[] priorEps, float[] y, float[][] dreams) {
    public Batch {
      if (rows <= 0 || x.length % rows != 0) {
        throw new IllegalArgumentException(
            "x has " + x.length + " values, not a whole number of " + rows + " rows");
      }
      if (y != null && y.length % rows != 0) {
        throw new IllegalArgumentException(
            "y has " + y.length + " values, not a whole number of " + rows + " rows");
      }
    }

    /** A batch without dreams. */
    public Batch(float[] x, int rows, float[][] eps, float[] priorEps, float[] y) {
      this(x, rows, eps, priorEps, y, null);
    }

    /** A batch of an unconditional model. */
    public Batch(float[] x, int rows, float[][] eps, float[] priorEps) {
      this(x, rows, eps, priorEps, null);
    }
  }

  /**
   * Loss and bound of one step, nats per example.
   *
   * @param lagrangian for a Lagrangian objective ({@link Objective#constraints()} non-null), the
   *     multipliers after the step (LagVAE's dual ascent moves them) and the batch's constraint
   *     values before it; else null
   */
  record StepResult(double loss, double bound, Lagrangian lagrangian) {
    public StepResult(double loss, double bound) {
      this(loss, bound, null);
    }
  }
}
