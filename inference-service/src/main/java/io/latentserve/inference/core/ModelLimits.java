package io.latentserve.inference.core;

/**
 * Per-request limits of a served model. Requests above them fail with {@link
 * LimitExceededException}.
 *
 * @param maxRowsPerRequest most rows N of x (or z, or draws n) in one request
 * @param maxSamples most importance samples k per row in ImportanceWeights
 * @param importanceRowBudget most decoder rows (N times samples) one ImportanceWeights chunk may
 *     evaluate; it also bounds a chunk's message to {@code 4 * 4 * budget} bytes (four float32
 *     tensors)
 */
public record ModelLimits(int maxRowsPerRequest, int maxSamples, int importanceRowBudget) {
  /** 4096 rows, k <= 5000, 65,536 decoder rows per chunk (1 MiB of log weights and components). */
  public static final ModelLimits DEFAULT = new ModelLimits(4096, 5000, 65_536);

  public ModelLimits {
    if (maxRowsPerRequest < 1 || maxSamples < 1 || importanceRowBudget < 1) {
      throw new IllegalArgumentException(
          "limits must be >= 1, got maxRowsPerRequest="
              + maxRowsPerRequest
              + ", maxSamples="
              + maxSamples
              + ", importanceRowBudget="
              + importanceRowBudget);
    }
  }
}
