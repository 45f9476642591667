package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.VaeArchitecture;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One served model version: encode, decode, sample, log densities and importance weights.
 *
 * <p>Shapes: N rows, D = {@code architecture().inputDim()} features, d_l the size of latent layer l
 * (layer 1 next to the data, the last layer the top). Every tensor is float32; log densities are in
 * nats.
 *
 * <p>Randomness is counter-based ({@link io.latentserve.model.CounterNoise}): the noise of row i is
 * a function of (seed, firstRow + i) and the sample index only, so a request split into parts with
 * adjusted {@code firstRow}, batched with other requests, or chunked over samples returns the same
 * numbers as the whole request.
 *
 * <p>A conditional model ({@link VaeArchitecture#conditional()}, a CVAE) takes a condition y [N, C]
 * float32 with every request, one finite row per row of x (or z, or per draw of {@link #sample}),
 * shared by all importance samples of its row; an unconditional model takes none (null). The
 * methods without a condition parameter serve unconditional models.
 *
 * <p>Every method validates its inputs and throws {@link InvalidInputException} for malformed input
 * and {@link LimitExceededException} above {@link #limits()}; the runner underneath may throw
 * {@link QueueFullException}, {@link ModelUnavailableException} or {@link
 * InferenceFailedException}. Implementations are thread-safe.
 */
public interface VaeModel extends AutoCloseable {
  /** Name and version, as used in messages (e.g. {@code mnist-vae/3}). */
  ModelId id();

  /** Shapes, likelihood and latent layers of the model. */
  VaeArchitecture architecture();

  /** Device that serves this model: {@code "cpu"} or {@code "cuda:N"}. */
  String device();

  /** The per-request limits this model enforces. */
  ModelLimits limits();

  /**
   * Parameters of q(z|x) for every layer, in its family.
   *
   * @param x inputs [N, D], finite
   * @param sample when true, every layer returns a sample drawn with the noise of its family's kind
   *     (z_l = mean + exp(logvar / 2) * eps for a Gaussian layer, 1[logits + eps > 0] for a
   *     Bernoulli one), and layer l+1 is conditioned on it; the noise equals importance sample 0 of
   *     {@link #importanceWeights}. When false, eps = 0: each layer is conditioned on the value
   *     below at zero noise (the Gaussian mean, the Bernoulli mode 1[logits > 0]) and no sample is
   *     returned.
   * @param seed noise seed
   * @param firstRow index of row 0 of x in the caller's numbering, >= 0
   */
  default EncodeResult encode(FloatTensor x, boolean sample, long seed, long firstRow) {
    return encode(x, null, sample, seed, firstRow);
  }

  /**
   * Parameters of q(z|x, y) for every layer, as {@link #encode(FloatTensor, boolean, long, long)}.
   *
   * @param condition y [N, C] for a conditional model, null for an unconditional one
   */
  EncodeResult encode(
      FloatTensor x, FloatTensor condition, boolean sample, long seed, long firstRow);

  /**
   * {@link #encode(FloatTensor, FloatTensor, boolean, long, long)} without holding the caller's
   * thread while the run waits in a batching queue. Invalid input throws at once, as there; a
   * failure of the run completes the future exceptionally. The default computes at once.
   */
  default CompletableFuture<EncodeResult> encodeAsync(
      FloatTensor x, FloatTensor condition, boolean sample, long seed, long firstRow) {
    return CompletableFuture.completedFuture(encode(x, condition, sample, seed, firstRow));
  }

  /**
   * Parameters of p(x|z1), from top-layer latents through the intermediate layers.
   *
   * @param zTop top-layer latents [N, d_top], finite
   * @param sample when true, the intermediate layers are sampled from p(z_l|z_{l+1}) and x is
   *     sampled from p(x|z1); when false, they take their value at zero noise (the Gaussian mean,
   *     the Bernoulli mode) and no x sample is returned
   * @param seed noise seed
   * @param firstRow index of row 0 in the caller's numbering, >= 0
   */
  default DecodeResult decode(FloatTensor zTop, boolean sample, long seed, long firstRow) {
    return decode(zTop, null, sample, seed, firstRow);
  }

  /**
   * Parameters of p(x|z1, y), as {@link #decode(FloatTensor, boolean, long, long)}.
   *
   * @param condition y [N, C] for a conditional model, null for an unconditional one
   */
  DecodeResult decode(
      FloatTensor zTop, FloatTensor condition, boolean sample, long seed, long firstRow);

  /**
   * {@code n} draws z ~ p(z_L) of the top layer's prior, with its parameters, decoded as {@link
   * #decode} does with the same seed and first row 0.
   *
   * @param n number of draws, 1 to {@link ModelLimits#maxRowsPerRequest()}
   * @param sampleX as {@code sample} of {@link #decode}
   */
  default SampleResult sample(int n, long seed, boolean sampleX) {
    return sample(n, null, seed, sampleX);
  }

  /**
   * {@code n} draws of the top layer's prior, decoded as {@link #decode} does with the same seed,
   * condition and first row 0. Draw i is the top family's sample from the prior's parameters (N(0,
   * I); p(z|y_i) of a conditional model, e.g. z_i = mu(y_i) + exp(logvar(y_i) / 2) * eps_i; the
   * learned constants of a learned prior) with PRIOR noise eps_i of the family's kind, the same
   * noise whatever the prior.
   *
   * @param n number of draws, 1 to {@link ModelLimits#maxRowsPerRequest()}
   * @param condition y [n, C], one row per draw, for a conditional model; null for an unconditional
   *     one
   * @param sampleX as {@code sample} of {@link #decode}
   */
  SampleResult sample(int n, FloatTensor condition, long seed, boolean sampleX);

  /**
   * {@link #sample(int, FloatTensor, long, boolean)} with the block Gibbs sweeps of an RBM prior
   * ({@link io.latentserve.model.Prior#RBM}): each draw runs {@code gibbsSweeps} sweeps from a
   * uniform start with counter-based noise ({@link io.latentserve.model.RbmGibbs}).
   *
   * @param gibbsSweeps 1 to {@link RbmSampling#MAX_SWEEPS}, or 0 for {@link
   *     RbmSampling#DEFAULT_SWEEPS}; must be 0 for a model without an RBM prior
   * @throws InvalidInputException for sweeps out of range, or given to a model without an RBM
   */
  default SampleResult sample(
      int n, FloatTensor condition, long seed, boolean sampleX, int gibbsSweeps) {
    if (gibbsSweeps != 0) {
      throw new InvalidInputException(
          "gibbs_sweeps",
          "gibbs_sweeps applies to models with the rbm prior only; "
              + id()
              + " has the "
              + architecture().prior().name()
              + " prior, got gibbs_sweeps "
              + gibbsSweeps);
    }
    return sample(n, condition, seed, sampleX);
  }

  /** The log Z estimate of an RBM prior, from the bundle's manifest; null for other priors. */
  default io.latentserve.model.LogPartition logPartition() {
    return null;
  }

  /**
   * Log densities of given (x, z) pairs.
   *
   * @param x inputs [N, D], finite
   * @param z one tensor per latent layer, layer 1 first, each [N, d_l], every value in its layer
   *     family's support (finite; exactly 0 or 1 for a Bernoulli layer)
   */
  default LogProbResult logProb(FloatTensor x, List<FloatTensor> z) {
    return logProb(x, null, z);
  }

  /**
   * Log densities log p(x|z, y), log p(z|y), log q(z|x, y) of given (x, z) pairs.
   *
   * @param condition y [N, C] for a conditional model, null for an unconditional one
   */
  LogProbResult logProb(FloatTensor x, FloatTensor condition, List<FloatTensor> z);

  /**
   * {@link #logProb(FloatTensor, FloatTensor, List)} without holding the caller's thread while its
   * runs wait in a batching queue. Invalid input throws at once, as there; a failure of a run
   * completes the future exceptionally. The default computes at once.
   */
  default CompletableFuture<LogProbResult> logProbAsync(
      FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    return CompletableFuture.completedFuture(logProb(x, condition, z));
  }

  /**
   * Validates an ImportanceWeights request's k and chunk size for N rows and splits the k samples
   * into consecutive chunks, each small enough that N times its size stays within {@link
   * ModelLimits#importanceRowBudget()} (at least one sample per chunk).
   *
   * @param rows N, the rows of x (x itself is validated by {@link #importanceWeights})
   * @param k samples per row, 1 to {@link ModelLimits#maxSamples()}
   * @param requestedChunkSize samples per chunk the caller asked for, 0 to let the server choose;
   *     it may be lowered
   * @return the chunks in order, covering [0, k) exactly
   */
  List<SampleRange> planImportanceWeights(int rows, int k, int requestedChunkSize);

  /**
   * Log importance weights log w[i, j] = log p(x_i, z_ij) - log q(z_ij|x_i) of samples j in {@code
   * [sampleOffset, sampleOffset + count)}, with z_ij ~ q(z|x_i) drawn from the counter noise of
   * (seed, firstRow + i, j). Chunks of any size give the same numbers as one chunk.
   *
   * @param x inputs [N, D], finite
   * @param sampleOffset index j of the first sample, >= 0
   * @param count samples in this chunk, >= 1, with sampleOffset + count <= {@link
   *     ModelLimits#maxSamples()}
   * @param includeComponents when true, the chunk carries log p(x|z), log p(z) and log q(z|x)
   * @return log w [N, count]
   */
  default LogWeightsChunk importanceWeights(
      FloatTensor x,
      int sampleOffset,
      int count,
      long seed,
      long firstRow,
      boolean includeComponents) {
    return importanceWeights(x, null, sampleOffset, count, seed, firstRow, includeComponents);
  }

  /**
   * Log importance weights of a conditional model, log w[i, j] = log p(x_i, z_ij|y_i) - log
   * q(z_ij|x_i, y_i) (the CIWAE's), as {@link #importanceWeights(FloatTensor, int, int, long, long,
   * boolean)}.
   *
   * @param condition y [N, C] for a conditional model, row i shared by all samples of row i; null
   *     for an unconditional model
   */
  LogWeightsChunk importanceWeights(
      FloatTensor x,
      FloatTensor condition,
      int sampleOffset,
      int count,
      long seed,
      long firstRow,
      boolean includeComponents);

  /** Closes the graph runner; requests after close fail with {@link ModelUnavailableException}. */
  @Override
  void close();
}
