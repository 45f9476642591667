package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.List;

/**
 * The evaluator's view of the inference service: the operations its estimators need, in plain
 * values.
 *
 * <p>Shapes: N rows, D = {@link ModelDescription#inputDim()} features, d_l the size of latent layer
 * l (layer 1 next to the data). Every tensor is float32 and every log density is in nats.
 *
 * <p>Randomness is counter-based: the noise of row i is a pure function of (seed, firstRow + i) and
 * the sample index, so splitting an evaluation into row ranges with matching {@code firstRow}, on
 * any number of replicas, gives the same numbers as one call.
 *
 * <p>A conditional model ({@link ModelDescription#conditional()}) takes a condition y [N, C] with
 * every call, one row per row of x (or z, or per draw), through the overloads with a {@code
 * condition} parameter; those overloads pass a null condition on to the unconditional methods, and
 * an implementation that serves conditional models overrides them.
 *
 * <p>Every method throws {@link InferenceException} when the call fails; implementations are
 * thread-safe and may be called concurrently.
 */
public interface InferenceClient extends AutoCloseable {
  /**
   * Describes a model version.
   *
   * @param model a name and a version, 0 for the latest
   * @return the description of the concrete version that answered
   */
  ModelDescription describe(ModelKey model);

  /**
   * Log importance weights log w[i, j] = log p(x_i, z_ij) - log q(z_ij|x_i), z_ij ~ q(z|x_i), for
   * all k samples of the given rows.
   *
   * @param x rows {@code [firstRow, firstRow + N)} of the evaluation set, [N, D]
   * @param firstRow index of row 0 of x in the whole evaluation set, >= 0
   * @param k samples per row, >= 1
   * @param includeComponents also return log p(x|z), log p(z) and log q(z|x) per sample
   */
  ImportanceWeights importanceWeights(
      ModelKey model, FloatTensor x, long firstRow, int k, long seed, boolean includeComponents);

  /**
   * Parameters of q(z|x) for every layer.
   *
   * @param x inputs [N, D]
   * @param sample when true each layer returns a sample and layer l+1 is conditioned on it; when
   *     false, layer l+1 is conditioned on the mean of layer l and no sample is returned
   * @param firstRow index of row 0 of x in the caller's numbering, >= 0
   */
  Encoding encode(ModelKey model, FloatTensor x, boolean sample, long seed, long firstRow);

  /**
   * Parameters of p(x|z1) from top-layer latents.
   *
   * @param zTop [N, d_top]
   * @param sample when true the intermediate layers and x are sampled; when false they take their
   *     means and no x sample is returned
   */
  Decoding decode(ModelKey model, FloatTensor zTop, boolean sample, long seed, long firstRow);

  /**
   * {@code n} draws z ~ N(0, I) of the top layer, decoded to p(x|z).
   *
   * @param n number of draws, >= 1
   * @param sampleX also draw x ~ p(x|z)
   */
  PriorSamples sample(ModelKey model, int n, long seed, boolean sampleX);

  /**
   * Log densities of (x, z) pairs.
   *
   * @param x inputs [N, D]
   * @param z one tensor per latent layer, layer 1 first, each [N, d_l]
   */
  LogDensities logProb(ModelKey model, FloatTensor x, List<FloatTensor> z);

  /**
   * {@link #importanceWeights(ModelKey, FloatTensor, long, int, long, boolean)} of a conditional
   * model: log w[i, j] = log p(x_i, z_ij|y_i) - log q(z_ij|x_i, y_i).
   *
   * @param condition y [N, C], row i shared by the k samples of row i; null for an unconditional
   *     model
   */
  default ImportanceWeights importanceWeights(
      ModelKey model,
      FloatTensor x,
      FloatTensor condition,
      long firstRow,
      int k,
      long seed,
      boolean includeComponents) {
    requireNoCondition(condition);
    return importanceWeights(model, x, firstRow, k, seed, includeComponents);
  }

  /**
   * {@link #encode(ModelKey, FloatTensor, boolean, long, long)}: q(z|x, y).
   *
   * @param condition y [N, C]; null for an unconditional model
   */
  default Encoding encode(
      ModelKey model,
      FloatTensor x,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow) {
    requireNoCondition(condition);
    return encode(model, x, sample, seed, firstRow);
  }

  /**
   * {@link #decode(ModelKey, FloatTensor, boolean, long, long)}: p(x|z, y).
   *
   * @param condition y [N, C]; null for an unconditional model
   */
  default Decoding decode(
      ModelKey model,
      FloatTensor zTop,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow) {
    requireNoCondition(condition);
    return decode(model, zTop, sample, seed, firstRow);
  }

  /**
   * {@link #sample(ModelKey, int, long, boolean)} of a conditional model: draw i is z ~ p(z|y_i).
   *
   * @param condition y [n, C], one row per draw; null for an unconditional model
   */
  default PriorSamples sample(
      ModelKey model, int n, FloatTensor condition, long seed, boolean sampleX) {
    requireNoCondition(condition);
    return sample(model, n, seed, sampleX);
  }

  /**
   * {@link #logProb(ModelKey, FloatTensor, List)}: log p(x|z, y), log p(z|y), log q(z|x, y).
   *
   * @param condition y [N, C]; null for an unconditional model
   */
  default LogDensities logProb(
      ModelKey model, FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    requireNoCondition(condition);
    return logProb(model, x, z);
  }

  private static void requireNoCondition(FloatTensor condition) {
    if (condition != null) {
      throw new InferenceException(
          InferenceException.Reason.INTERNAL,
          "",
          "this inference client cannot send a condition to a conditional model");
    }
  }

  /** Releases connections or resources; calls after close fail. */
  @Override
  void close();
}
