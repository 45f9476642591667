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
 * @param priorClasses for a conditional model, the number c of conditions the prior samples were
 *     drawn for: {@code priorSamples} holds n / c draws of p(x|z, y = e_0), then as many of y =
 *     e_1, and so on (one-hot y: one class per group); 0 for an unconditional model
 */
public record Previews(
    List<Long> inputShape,
    FloatTensor priorSamples,
    FloatTensor originals,
    FloatTensor reconstructions,
    int priorClasses) {
  public Previews {
    inputShape = List.copyOf(inputShape);
    if (priorClasses < 0
        || (priorClasses > 0
            && (priorSamples == null || priorSamples.dim(0) % priorClasses != 0))) {
      throw new IllegalArgumentException(
          "priorClasses must be 0, or divide the prior samples' rows, got " + priorClasses);
    }
  }

  /** Previews of an unconditional model. */
  public Previews(
      List<Long> inputShape,
      FloatTensor priorSamples,
      FloatTensor originals,
      FloatTensor reconstructions) {
    this(inputShape, priorSamples, originals, reconstructions, 0);
  }
}
