package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Parameters of p(x|z1), reached from the top layer through the intermediate layers.
 *
 * @param xMean [N, D] float32: Bernoulli probabilities, or the Gaussian mean
 * @param xLogVariance [N, D] float32, for a learned-variance Gaussian likelihood only
 * @param xSample [N, D] float32 draw from p(x|z1), when samples were asked for
 * @param intermediateLayers prior parameters p(z_l|z_{l+1}) of the layers below the top, from the
 *     layer just below the top down to layer 1; empty for a one-layer model. Each sample is the
 *     value that was fed to the layer below.
 */
public record DecodeResult(
    FloatTensor xMean,
    Optional<FloatTensor> xLogVariance,
    Optional<FloatTensor> xSample,
    List<LayerDistribution> intermediateLayers) {
  public DecodeResult {
    Objects.requireNonNull(xMean, "xMean");
    Objects.requireNonNull(xLogVariance, "xLogVariance");
    Objects.requireNonNull(xSample, "xSample");
    intermediateLayers = List.copyOf(intermediateLayers);
  }
}
