package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import java.util.Objects;

/**
 * Draws from the model: z ~ p(z_L) of the top layer's prior, decoded.
 *
 * @param prior the top layer's prior for every draw, [n, top dim] parameters in the top layer's
 *     family (N(0, I), p(z|y_i), or the learned constants on every row), with the draws as its
 *     sample
 * @param decoded the draws decoded as {@link VaeModel#decode} would with the same seed and first
 *     row 0
 * @param gibbsSweeps the block Gibbs sweeps each draw of an RBM prior ran; 0 for other priors
 */
public record SampleResult(LayerDistribution prior, DecodeResult decoded, int gibbsSweeps) {
  public SampleResult {
    Objects.requireNonNull(prior, "prior");
    Objects.requireNonNull(decoded, "decoded");
    if (prior.sample().isEmpty()) {
      throw new IllegalArgumentException("the prior of a sample result carries the draws");
    }
  }

  /** Draws of a prior without Gibbs sweeps. */
  public SampleResult(LayerDistribution prior, DecodeResult decoded) {
    this(prior, decoded, 0);
  }

  /** The top-layer draws, [n, top dim] float32. */
  public FloatTensor z() {
    return prior.sample().orElseThrow();
  }
}
