package io.latentserve.bundle;

import java.util.List;

/**
 * Name and shape of a graph input or output; -1 marks a dynamic dimension (the batch, the number of
 * samples).
 */
public record TensorSpec(String name, List<Long> shape) {
  public TensorSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("tensor name is required");
    }
    shape = List.copyOf(shape);
    for (long d : shape) {
      if (d < -1 || d == 0) {
        throw new IllegalArgumentException(
            "dimension of " + name + " must be -1 or > 0, got " + shape);
      }
    }
  }
}
