package io.latentserve.trainer.core;

import io.latentserve.model.CounterNoise;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;

/**
 * Reparameterization noise for a block of rows, laid out as the bundle's log-weights graph expects
 * it and drawn as the inference service draws it: row i of the block is counter row {@code firstRow
 * + i}, and sample j of coordinate c of layer l uses index {@code j * totalLatentDim + offset_l +
 * c}, where offset_l sums the sizes of the layers below l. The same (seed, row) therefore gives the
 * same noise whatever the block size.
 */
public final class LatentNoise {
  private LatentNoise() {}

  /**
   * Standard-normal noise per layer, bottom-up: array l has {@code rows * k * d_l} floats, the
   * row-major [rows, k, d_l] tensor.
   */
  public static float[][] latent(
      VaeArchitecture architecture, long seed, long firstRow, int rows, int k) {
    return latent(architecture, seed, firstRow, rows, 0, k);
  }

  /**
   * As {@link #latent(VaeArchitecture, long, long, int, int)}, for samples {@code [sampleOffset,
   * sampleOffset + k)} of each row: the chunks of a large K concatenate to the noise of the whole.
   */
  public static float[][] latent(
      VaeArchitecture architecture, long seed, long firstRow, int rows, int sampleOffset, int k) {
    if (rows < 0 || k < 0 || sampleOffset < 0) {
      throw new IllegalArgumentException(
          "rows, k and sampleOffset must be >= 0, got " + rows + ", " + k + ", " + sampleOffset);
    }
    int layers = architecture.layerCount();
    int total = 0;
    int[] offsets = new int[layers];
    for (int l = 0; l < layers; l++) {
      offsets[l] = total;
      total += architecture.layer(l).latentDim();
    }
    float[][] eps = new float[layers][];
    for (int l = 0; l < layers; l++) {
      eps[l] =
          new float
              [Math.multiplyExact(rows, Math.multiplyExact(k, architecture.layer(l).latentDim()))];
    }
    for (int i = 0; i < rows; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.LATENT, firstRow + i);
      for (int j = 0; j < k; j++) {
        for (int l = 0; l < layers; l++) {
          StochasticLayer layer = architecture.layer(l);
          int d = layer.latentDim();
          CounterNoise.gaussian(
              key, (long) (sampleOffset + j) * total + offsets[l], eps[l], (i * k + j) * d, d);
        }
      }
    }
    return eps;
  }

  /**
   * Draws z ~ N(0, I) for {@code rows} rows of the top layer, [rows, d_top] row-major, from the
   * prior stream, at the top layer's offset as the inference service's Sample does.
   */
  public static float[] prior(VaeArchitecture architecture, long seed, long firstRow, int rows) {
    int d = architecture.top().latentDim();
    int offset = 0;
    for (int l = 0; l < architecture.layerCount() - 1; l++) {
      offset += architecture.layer(l).latentDim();
    }
    float[] out = new float[Math.multiplyExact(rows, d)];
    for (int i = 0; i < rows; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.PRIOR, firstRow + i);
      CounterNoise.gaussian(key, offset, out, i * d, d);
    }
    return out;
  }
}
