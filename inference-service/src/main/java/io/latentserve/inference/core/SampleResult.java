package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import java.util.Objects;

/**
 * Draws from the model: z ~ p(z_top) = N(0, I), decoded.
 *
 * @param z top-layer draws, [n, top dim] float32
 * @param decoded the draws decoded as {@link VaeModel#decode} would with the same seed and first
 *     row 0
 */
public record SampleResult(FloatTensor z, DecodeResult decoded) {
  public SampleResult {
    Objects.requireNonNull(z, "z");
    Objects.requireNonNull(decoded, "decoded");
  }
}
