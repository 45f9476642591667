package io.latentserve.evaluator.core;

/**
 * Limits and sizes of the evaluation pipeline.
 *
 * @param maxK largest k a request may ask for
 * @param maxRowsPerCall most rows one inference call carries
 * @param maxWeightsPerCall most rows times k one ImportanceWeights call asks for; a call always
 *     carries at least one row
 * @param parallelCalls inference calls in flight at once (spread over the replicas)
 * @param rateSamples posterior draws per example for the per-layer rates
 * @param mmdSamples most draws of q(z) and of p(z) for the MMD (its cost is quadratic)
 * @param previewSamples prior samples drawn for the report's picture; 0 for none
 * @param previewReconstructions examples reconstructed for the report's picture; 0 for none
 */
public record EvaluatorOptions(
    int maxK,
    int maxRowsPerCall,
    int maxWeightsPerCall,
    int parallelCalls,
    int rateSamples,
    int mmdSamples,
    int previewSamples,
    int previewReconstructions) {

  public EvaluatorOptions {
    positive("maxK", maxK);
    positive("maxRowsPerCall", maxRowsPerCall);
    positive("maxWeightsPerCall", maxWeightsPerCall);
    positive("parallelCalls", parallelCalls);
    positive("rateSamples", rateSamples);
    if (mmdSamples < 2) {
      throw new IllegalArgumentException("mmdSamples must be >= 2, got " + mmdSamples);
    }
    if (previewSamples < 0 || previewReconstructions < 0) {
      throw new IllegalArgumentException("preview counts must be >= 0");
    }
  }

  /** k up to 5000, 256 rows and 2^18 weights per call, 4 calls in flight, 8 rate draws. */
  public static EvaluatorOptions defaults() {
    return new EvaluatorOptions(5000, 256, 1 << 18, 4, 8, 2000, 64, 16);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }
}
