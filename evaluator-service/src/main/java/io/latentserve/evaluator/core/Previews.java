package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.List;

/**
 * Pictures of what the model does, for the report's plots.
 *
 * @param inputShape shape of one example, e.g. [784] or [28, 28]
 * @param priorSamples means of p(x|z) for z ~ p(z), [n, D]; null when none were drawn
 * @param originals the first examples of the evaluation set, [m, D]; null when none
 * @param reconstructions means of p(x|z) decoded from the posterior means of {@code originals}, [m,
 *     D]; null when none
 */
public record Previews(
    List<Long> inputShape,
    FloatTensor priorSamples,
    FloatTensor originals,
    FloatTensor reconstructions) {
  public Previews {
    inputShape = List.copyOf(inputShape);
  }
}
