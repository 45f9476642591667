package io.latentserve.bench;

import io.latentserve.datasets.Binarizer;
import io.latentserve.datasets.Dataset;
import io.latentserve.trainer.core.LatentNoise;
import io.latentserve.trainer.core.TrainableVae;

/**
 * The quality check of the training benchmark: minus the mean over test digits (binarized once) of
 * the importance-weighted bound log (1/K) sum_i w_i, nats per digit, with its standard error over
 * the digits.
 */
record TestNll(double nll, double se, int examples) {
  private static final long BINARIZATION_SEED = 1_000_003L;
  private static final long NOISE_SEED = 1_000_033L;
  private static final int SAMPLES_PER_CALL = 5_000;

  static TestNll measure(TrainableVae model, Dataset test, int k) {
    int dim = test.dimension();
    int n = test.size();
    Binarizer binarizer = new Binarizer(BINARIZATION_SEED);
    double sum = 0;
    double sumSquares = 0;
    float[] x = new float[dim];
    for (int i = 0; i < n; i++) {
      test.copyRows(i, i + 1, x, 0);
      binarizer.binarize(i, x, 0, x, 0, dim);
      double max = Double.NEGATIVE_INFINITY;
      double sumExp = 0;
      for (int offset = 0; offset < k; offset += SAMPLES_PER_CALL) {
        int count = Math.min(SAMPLES_PER_CALL, k - offset);
        float[][] eps = LatentNoise.latent(model.architecture(), NOISE_SEED, i, 1, offset, count);
        for (float v : model.logWeights(x, null, 1, eps, count)) {
          if (v > max) {
            sumExp = sumExp * Math.exp(max - v) + 1;
            max = v;
          } else {
            sumExp += Math.exp(v - max);
          }
        }
      }
      double ll = max + Math.log(sumExp / k);
      sum += ll;
      sumSquares += ll * ll;
    }
    double mean = sum / n;
    double variance = n > 1 ? (sumSquares - n * mean * mean) / (n - 1) : 0;
    return new TestNll(-mean, Math.sqrt(Math.max(variance, 0) / n), n);
  }
}
