package io.latentserve.trainer.core;

import io.latentserve.model.CounterNoise;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;

/**
 * Latent noise for a block of rows, of each layer's family's {@link io.latentserve.model.NoiseKind}
 * (standard normal for Gaussian layers, logistic for Bernoulli), laid out as the bundle's
 * log-weights graph expects it and drawn as the inference service draws it: row i of the block is
 * counter row {@code firstRow + i}, and sample j of coordinate c of layer l uses index {@code j *
 * totalLatentDim + offset_l + c}, where offset_l sums the sizes of the layers below l. The same
 * (seed, row) therefore gives the same noise whatever the block size.
 */
public final class LatentNoise {
  private LatentNoise() {}

  /**
   * Noise per layer of the layer family's kind, bottom-up: array l has {@code rows * k * d_l}
   * floats, the row-major [rows, k, d_l] tensor.
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
          layer
              .family()
              .noise()
              .fill(
                  key, (long) (sampleOffset + j) * total + offsets[l], eps[l], (i * k + j) * d, d);
        }
      }
    }
    return eps;
  }

  /**
   * Draws the top layer's prior noise (z ~ N(0, I) for a Gaussian top layer) for {@code rows} rows,
   * [rows, d_top] row-major, from the prior stream, at the top layer's offset as the inference
   * service's Sample does.
   */
  public static float[] prior(VaeArchitecture architecture, long seed, long firstRow, int rows) {
    return priorNoise(architecture, architecture.layerCount() - 1, seed, firstRow, rows);
  }

  /**
   * The noise of {@code rows} ancestral samples (x', z') ~ p(x, z), as the inference service's
   * Sample draws them: layer l's noise (its family's kind) from the prior stream at index {@code
   * o_l + c}, [rows, d_l] per layer bottom-up, and, last, the observation noise of x' ~ p(x|z_1)
   * [rows, D] from the observation stream at index f: uniforms in [0, 1) for Bernoulli pixels (x' =
   * 1 iff u < p), standard normals for a Gaussian likelihood. The sleep-phi term of reweighted
   * wake-sleep reads them.
   *
   * @return layerCount + 1 arrays
   */
  public static float[][] dreams(VaeArchitecture architecture, long seed, long firstRow, int rows) {
    int layers = architecture.layerCount();
    float[][] out = new float[layers + 1][];
    for (int l = 0; l < layers; l++) {
      out[l] = priorNoise(architecture, l, seed, firstRow, rows);
    }
    int dim = architecture.inputDim();
    float[] observation = new float[Math.multiplyExact(rows, dim)];
    for (int i = 0; i < rows; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.OBSERVATION, firstRow + i);
      if (architecture.likelihood() == LikelihoodFamily.BERNOULLI) {
        for (int f = 0; f < dim; f++) {
          observation[i * dim + f] = (float) CounterNoise.uniform(key, f);
        }
      } else {
        CounterNoise.gaussian(key, 0, observation, i * dim, dim);
      }
    }
    out[layers] = observation;
    return out;
  }

  private static float[] priorNoise(
      VaeArchitecture architecture, int layer, long seed, long firstRow, int rows) {
    int d = architecture.layer(layer).latentDim();
    int offset = 0;
    for (int l = 0; l < layer; l++) {
      offset += architecture.layer(l).latentDim();
    }
    float[] out = new float[Math.multiplyExact(rows, d)];
    for (int i = 0; i < rows; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.PRIOR, firstRow + i);
      architecture.layer(layer).family().noise().fill(key, offset, out, i * d, d);
    }
    return out;
  }
}
