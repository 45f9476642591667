package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One latent layer's distribution in its {@link LatentFamily} for every row, and optionally a draw
 * from it.
 *
 * @param layer layer name from the manifest, e.g. {@code "z1"}
 * @param family the layer's family
 * @param parameters the family's parameters in {@link LatentFamily#parameterNames()} order (mean
 *     and log variance; logits), each [N, dim] float32
 * @param sample a draw from the distribution, [N, dim] float32, when samples were asked for (a
 *     Bernoulli draw is exactly 0 or 1)
 */
public record LatentLayerResult(
    String layer, LatentFamily family, List<FloatTensor> parameters, Optional<FloatTensor> sample) {
  public LatentLayerResult {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(family, "family");
    Objects.requireNonNull(sample, "sample");
    parameters = List.copyOf(parameters);
    if (parameters.size() != family.parameterCount()) {
      throw new IllegalArgumentException(
          "layer "
              + layer
              + " ("
              + family.name()
              + ") needs "
              + family.parameterNames()
              + ", got "
              + parameters.size()
              + " parameters");
    }
  }

  /** The parameter named {@code name}, e.g. "mean", "logvar" or "logits". */
  public FloatTensor parameter(String name) {
    return parameters.get(family.parameterIndex(name));
  }

  /** The Gaussian mean; shorthand for {@code parameter("mean")}. */
  public FloatTensor mean() {
    return parameter("mean");
  }

  /** The Gaussian log variance; shorthand for {@code parameter("logvar")}. */
  public FloatTensor logVariance() {
    return parameter("logvar");
  }
}
