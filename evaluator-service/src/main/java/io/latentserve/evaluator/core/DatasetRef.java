package io.latentserve.evaluator.core;

import java.util.Objects;

/**
 * A split of a catalogued dataset.
 *
 * @param name catalogue name, e.g. {@code mnist}
 * @param split {@code train} or {@code test}
 * @param limit evaluate only the first {@code limit} examples; 0 for all
 * @param binarizationSeed seed of the dynamic binarization x ~ Bernoulli(intensity), applied for
 *     Bernoulli models
 */
public record DatasetRef(String name, String split, int limit, long binarizationSeed) {
  public DatasetRef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(split, "split");
    if (name.isBlank()) {
      throw new InvalidEvaluationException("dataset.name must not be empty");
    }
    if (limit < 0) {
      throw new InvalidEvaluationException("dataset.limit must be >= 0, got " + limit);
    }
  }

  @Override
  public String toString() {
    return name + "/" + split + (limit > 0 ? "[:" + limit + "]" : "");
  }
}
