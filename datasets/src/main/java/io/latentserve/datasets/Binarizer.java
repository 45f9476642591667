package io.latentserve.datasets;

import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import java.util.Objects;

/**
 * Seeded dynamic binarization: pixel j of example i becomes 1 with probability equal to its
 * intensity, x_ij ~ Bernoulli(intensity_ij), as in the IWAE experiments on MNIST.
 *
 * <p>The draw is a pure function of (seed, example index, pixel index): pixel j of example i is 1
 * iff {@code CounterNoise.uniform(rowKey(seed, BINARIZATION, i), j) < intensity}. The same seed
 * therefore binarizes example i identically however the data set is batched, sliced or spread over
 * processes, provided callers pass the example's index within its split.
 */
public final class Binarizer {
  private final long seed;

  public Binarizer(long seed) {
    this.seed = seed;
  }

  public long seed() {
    return seed;
  }

  /**
   * Binarizes one example: {@code dst[dstOffset + j] = 1} if the draw for (exampleIndex, j) falls
   * below {@code src[srcOffset + j]}, else 0, for j in [0, dim). Intensities of 0 always give 0 and
   * of 1 always give 1. {@code src} and {@code dst} may be the same array.
   *
   * @param exampleIndex the example's index within its split, >= 0
   */
  public void binarize(
      long exampleIndex, float[] src, int srcOffset, float[] dst, int dstOffset, int dim) {
    if (exampleIndex < 0) {
      throw new IllegalArgumentException("example index must be >= 0, got " + exampleIndex);
    }
    Objects.checkFromIndexSize(srcOffset, dim, src.length);
    Objects.checkFromIndexSize(dstOffset, dim, dst.length);
    long key = CounterNoise.rowKey(seed, CounterNoise.Stream.BINARIZATION, exampleIndex);
    for (int j = 0; j < dim; j++) {
      dst[dstOffset + j] = CounterNoise.uniform(key, j) < src[srcOffset + j] ? 1f : 0f;
    }
  }

  /**
   * Binarizes a batch.
   *
   * @param intensities [n, D] values in [0, 1]
   * @param firstExampleIndex the split index of row 0; row r is example {@code firstExampleIndex +
   *     r}
   * @return [n, D] of 0 and 1
   */
  public FloatTensor binarize(FloatTensor intensities, long firstExampleIndex) {
    if (intensities.rank() != 2) {
      throw new IllegalArgumentException(
          "intensities must be [n, D], got " + intensities + " of rank " + intensities.rank());
    }
    int n = Math.toIntExact(intensities.dim(0));
    int d = Math.toIntExact(intensities.dim(1));
    float[] src = intensities.data();
    float[] out = new float[src.length];
    for (int r = 0; r < n; r++) {
      binarize(firstExampleIndex + r, src, r * d, out, r * d, d);
    }
    return FloatTensor.of(out, n, d);
  }

  /**
   * Examples {@code [from, to)} of {@code dataset}, binarized with their positions in {@code
   * dataset} as example indices: [to - from, D] of 0 and 1. For a {@link Dataset#slice} that does
   * not start at the split's first example, use {@link #binarize(FloatTensor, long)} with the
   * slice's offset instead.
   */
  public FloatTensor binarize(Dataset dataset, int from, int to) {
    Objects.checkFromToIndex(from, to, dataset.size());
    int d = dataset.dimension();
    float[] out = new float[(to - from) * d];
    dataset.copyRows(from, to, out, 0);
    for (int i = from; i < to; i++) {
      int offset = (i - from) * d;
      binarize(i, out, offset, out, offset, d);
    }
    return FloatTensor.of(out, to - from, d);
  }
}
