package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import java.util.List;
import java.util.Objects;

/**
 * Log densities of given (x, z) pairs, [N] float32 each, in nats.
 *
 * @param logPxGivenZ log p(x|z1)
 * @param logPz log p(z) summed over layers
 * @param logQzGivenX log q(z|x) summed over layers
 * @param layers per-layer terms, layer 1 first
 */
public record LogProbResult(
    FloatTensor logPxGivenZ,
    FloatTensor logPz,
    FloatTensor logQzGivenX,
    List<LayerLogProb> layers) {
  public LogProbResult {
    Objects.requireNonNull(logPxGivenZ, "logPxGivenZ");
    Objects.requireNonNull(logPz, "logPz");
    Objects.requireNonNull(logQzGivenX, "logQzGivenX");
    layers = List.copyOf(layers);
  }
}
