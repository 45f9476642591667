package io.latentserve.trainer.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The full training state of a {@link TrainableVae}: named float32 arrays (parameters and Adam's
 * first and second moments) and the number of optimizer steps taken.
 */
public record OptimizerSnapshot(long iteration, Map<String, float[]> arrays) {
  public OptimizerSnapshot {
    if (iteration < 0) {
      throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
    }
    Map<String, float[]> copy = new LinkedHashMap<>();
    arrays.forEach((name, values) -> copy.put(name, values.clone()));
    arrays = java.util.Collections.unmodifiableMap(copy);
  }

  @Override
  public Map<String, float[]> arrays() {
    Map<String, float[]> copy = new LinkedHashMap<>();
    arrays.forEach((name, values) -> copy.put(name, values.clone()));
    return copy;
  }
}
