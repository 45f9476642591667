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
 * <p>A conditional model ({@link ModelDescription#conditional()}) takes a condition y [N, C], C =
 * {@link ModelDescription#conditionDim()}, with every call: one row per row of x (or of z, or per
 * draw). An unconditional model takes none: its condition is null. Implementations implement the
 * methods with a {@code condition} parameter; the overloads without one are defaults that pass
 * null.
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
   * Log importance weights log w[i, j] = log p(x_i, z_ij|y_i) - log q(z_ij|x_i, y_i), z_ij ~
   * q(z|x_i, y_i), for all k samples of the given rows; without y for an unconditional model.
   *
   * @param x rows {@code [firstRow, firstRow + N)} of the evaluation set, [N, D]
   * @param condition y [N, C], row i shared by the k samples of row i; null for an unconditional
   *     model
   * @param firstRow index of row 0 of x in the whole evaluation set, >= 0
   * @param k samples per row, >= 1
   * @param includeComponents also return log p(x|z, y), log p(z|y) and log q(z|x, y) per sample
   * @return log w [N, k], and the components [N, k] each when asked for
   */
  ImportanceWeights importanceWeights(
      ModelKey model,
      FloatTensor x,
      FloatTensor condition,
      long firstRow,
      int k,
      long seed,
      boolean includeComponents);

  /**
   * {@link #importanceWeights(ModelKey, FloatTensor, FloatTensor, long, int, long, boolean)} of an
   * unconditional model (a null condition).
   */
  default ImportanceWeights importanceWeights(
      ModelKey model, FloatTensor x, long firstRow, int k, long seed, boolean includeComponents) {
    return importanceWeights(model, x, null, firstRow, k, seed, includeComponents);
  }

  /**
   * Parameters of q(z|x, y) for every layer; q(z|x) for an unconditional model.
   *
   * @param x inputs [N, D]
   * @param condition y [N, C]; null for an unconditional model
   * @param sample when true each layer returns a sample and layer l+1 is conditioned on it; when
   *     false, layer l+1 is conditioned on the mean of layer l and no sample is returned
   * @param firstRow index of row 0 of x in the caller's numbering, >= 0
   */
  Encoding encode(
      ModelKey model,
      FloatTensor x,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow);

  /**
   * {@link #encode(ModelKey, FloatTensor, FloatTensor, boolean, long, long)} of an unconditional
   * model (a null condition).
   */
  default Encoding encode(ModelKey model, FloatTensor x, boolean sample, long seed, long firstRow) {
    return encode(model, x, null, sample, seed, firstRow);
  }

  /**
   * Parameters of p(x|z1, y) from top-layer latents; p(x|z1) for an unconditional model.
   *
   * @param zTop [N, d_top]
   * @param condition y [N, C]; null for an unconditional model
   * @param sample when true the intermediate layers and x are sampled; when false they take their
   *     means and no x sample is returned
   */
  Decoding decode(
      ModelKey model,
      FloatTensor zTop,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow);

  /**
   * {@link #decode(ModelKey, FloatTensor, FloatTensor, boolean, long, long)} of an unconditional
   * model (a null condition).
   */
  default Decoding decode(
      ModelKey model, FloatTensor zTop, boolean sample, long seed, long firstRow) {
    return decode(model, zTop, null, sample, seed, firstRow);
  }

  /**
   * {@code n} draws of the top layer, decoded: z ~ N(0, I) and p(x|z) for an unconditional model;
   * for a conditional one, draw i is z ~ p(z|y_i) decoded to p(x|z, y_i).
   *
   * @param n number of draws, >= 1
   * @param condition y [n, C], one row per draw; null for an unconditional model
   * @param sampleX also draw x from the decoded distribution
   */
  PriorSamples sample(ModelKey model, int n, FloatTensor condition, long seed, boolean sampleX);

  /**
   * {@link #sample(ModelKey, int, FloatTensor, long, boolean)} of an unconditional model (a null
   * condition).
   */
  default PriorSamples sample(ModelKey model, int n, long seed, boolean sampleX) {
    return sample(model, n, null, seed, sampleX);
  }

  /**
   * Log densities of (x, z) pairs: log p(x|z, y), log p(z|y), log q(z|x, y); without y for an
   * unconditional model.
   *
   * @param x inputs [N, D]
   * @param condition y [N, C]; null for an unconditional model
   * @param z one tensor per latent layer, layer 1 first, each [N, d_l]
   */
  LogDensities logProb(ModelKey model, FloatTensor x, FloatTensor condition, List<FloatTensor> z);

  /**
   * {@link #logProb(ModelKey, FloatTensor, FloatTensor, List)} of an unconditional model (a null
   * condition).
   */
  default LogDensities logProb(ModelKey model, FloatTensor x, List<FloatTensor> z) {
    return logProb(model, x, null, z);
  }

  /** Releases connections or resources; calls after close fail. */
  @Override
  void close();
}
