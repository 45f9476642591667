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
  float[] logWeights(float[] x, int rows, float[][] eps, int k);

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
   * @param priorEps [m, d_top] draws of p(z) for the InfoVAE MMD; null for the other objectives
   */
  record Batch(float[] x, int rows, float[][] eps, float[] priorEps) {
    public Batch {
      if (rows <= 0 || x.length % rows != 0) {
        throw new IllegalArgumentException(
            "x has " + x.length + " values, not a whole number of " + rows + " rows");
      }
    }
  }

  /** Loss and bound of one step, nats per example. */
  record StepResult(double loss, double bound) {}
}
