package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Parameters of p(x|z1) decoded from top-layer latents.
 *
 * @param xMean mean of p(x|z1), [N, D] float32: Bernoulli probabilities or the Gaussian mean
 * @param xSample a draw from p(x|z1), [N, D] float32, when asked for
 * @param intermediateLayers prior parameters p(z_l|z_{l+1}) of the layers below the top
 */
public record Decoding(
    FloatTensor xMean, Optional<FloatTensor> xSample, List<LayerDistribution> intermediateLayers) {
  public Decoding {
    Objects.requireNonNull(xMean, "xMean");
    Objects.requireNonNull(xSample, "xSample");
    intermediateLayers = List.copyOf(intermediateLayers);
  }
}
