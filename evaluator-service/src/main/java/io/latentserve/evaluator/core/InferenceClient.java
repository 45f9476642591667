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

  /** Releases connections or resources; calls after close fail. */
  @Override
  void close();
}
