package io.latentserve.trainer.samediff;

import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.LatentNoise;
import java.util.List;
import java.util.SplittableRandom;

/** Small architectures, data and noise for fast, exact tests. */
final class TinyModels {
  static final int D = 6;

  private TinyModels() {}

  static VaeArchitecture oneLayer(LikelihoodFamily likelihood, Activation activation) {
    return new VaeArchitecture(
        D,
        List.of(new StochasticLayer("z1", 3, List.of(4))),
        activation,
        likelihood,
        likelihood == LikelihoodFamily.GAUSSIAN_FIXED ? 0.7 : 0);
  }

  static VaeArchitecture twoLayer(LikelihoodFamily likelihood, Activation activation) {
    return new VaeArchitecture(
        D,
        List.of(
            new StochasticLayer("z1", 3, List.of(4)), new StochasticLayer("z2", 2, List.of(3, 3))),
        activation,
        likelihood,
        likelihood == LikelihoodFamily.GAUSSIAN_FIXED ? 0.7 : 0);
  }

  /** {@link #twoLayer} with HIT's top-down inference: q(z2|x) q(z1|z2, x). */
  static VaeArchitecture topDown(LikelihoodFamily likelihood, Activation activation) {
    return twoLayer(likelihood, activation)
        .withInference(io.latentserve.model.InferenceStructure.TOP_DOWN);
  }

  /**
   * A learned-variance Gaussian likelihood whose variance floor (1, a log variance of 0) binds for
   * about half the features of these small random networks, whose raw log variances straddle 0.
   */
  static VaeArchitecture floored(VaeArchitecture learnedVariance) {
    return learnedVariance.withLikelihoodMinVariance(1.0);
  }

  /** The same weights as {@code weights}, for another architecture of the same shape. */
  static VaeWeights withArchitecture(VaeWeights weights, VaeArchitecture architecture) {
    return new VaeWeights(architecture, weights.encoders(), weights.decoders(), weights.prior());
  }

  /** Probabilistic PCA: linear maps, one latent unit, a fixed-sigma Gaussian likelihood. */
  static VaeArchitecture linear() {
    return new VaeArchitecture(
        D,
        List.of(new StochasticLayer("z1", 1, List.of())),
        Activation.TANH,
        LikelihoodFamily.GAUSSIAN_FIXED,
        0.5);
  }

  /** Random weights with nonzero biases, so that every parameter matters. */
  static VaeWeights weights(VaeArchitecture architecture, long seed) {
    VaeWeights w = VaeWeights.random(architecture, seed);
    SplittableRandom random = new SplittableRandom(seed + 1);
    return new VaeWeights(
        architecture,
        w.encoders().stream().map(m -> withBias(m, random)).toList(),
        w.decoders().stream().map(m -> withBias(m, random)).toList(),
        w.prior() == null ? null : withBias(w.prior(), random));
  }

  /** One-hot conditions [rows, C] of a conditional architecture with seeded labels; else null. */
  static float[] conditions(VaeArchitecture architecture, int rows, long seed) {
    int c = architecture.conditionDim();
    if (c == 0) {
      return null;
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[] y = new float[rows * c];
    for (int i = 0; i < rows; i++) {
      y[i * c + random.nextInt(c)] = 1f;
    }
    return y;
  }

  private static io.latentserve.model.GaussianMlp withBias(
      io.latentserve.model.GaussianMlp mlp, SplittableRandom random) {
    return new io.latentserve.model.GaussianMlp(
        mlp.hidden().stream().map(d -> withBias(d, random)).toList(),
        withBias(mlp.mean(), random),
        mlp.logVariance() == null ? null : withBias(mlp.logVariance(), random));
  }

  private static io.latentserve.model.Dense withBias(
      io.latentserve.model.Dense dense, SplittableRandom random) {
    float[] b = new float[dense.out()];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) (random.nextDouble() * 0.4 - 0.2);
    }
    return new io.latentserve.model.Dense(dense.in(), dense.out(), dense.weight(), b);
  }

  /** [rows, D]: binary pixels for Bernoulli, else real values. */
  static float[] data(VaeArchitecture architecture, int rows, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[rows * architecture.inputDim()];
    for (int i = 0; i < x.length; i++) {
      x[i] =
          architecture.likelihood() == LikelihoodFamily.BERNOULLI
              ? (random.nextDouble() < 0.4 ? 1f : 0f)
              : (float) (random.nextDouble() * 2 - 1);
    }
    return x;
  }

  static float[][] eps(VaeArchitecture architecture, int rows, int k, long seed) {
    return LatentNoise.latent(architecture, seed, 0, rows, k);
  }
}
