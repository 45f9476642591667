package io.latentserve.inference.core;

import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.List;
import java.util.SplittableRandom;

/** Small seeded models and data for core tests. */
final class TestModels {
  static final ModelId ID = new ModelId("mnist-vae", 3);

  private TestModels() {}

  /** 784 -> 16 -> (z1: 8) -> 8 -> (z2: 4), tanh, Bernoulli. */
  static VaeArchitecture twoLayer() {
    return new VaeArchitecture(
        784,
        List.of(
            new StochasticLayer("z1", 8, List.of(16)), new StochasticLayer("z2", 4, List.of(8))),
        Activation.TANH,
        LikelihoodFamily.BERNOULLI,
        0);
  }

  /** 12 -> 10 -> (z1: 3), relu, learned Gaussian. */
  static VaeArchitecture gaussianOneLayer() {
    return new VaeArchitecture(
        12,
        List.of(new StochasticLayer("z1", 3, List.of(10))),
        Activation.RELU,
        LikelihoodFamily.GAUSSIAN_LEARNED,
        0);
  }

  static SeededVaeModel model(VaeArchitecture architecture, ModelLimits limits) {
    return new SeededVaeModel(
        ID, architecture, new ReferenceGraphRunner(VaeWeights.random(architecture, 7)), limits);
  }

  /** Binary data [n, d] with a fixed seed. */
  static FloatTensor binary(int n, int d, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] data = new float[n * d];
    for (int i = 0; i < data.length; i++) {
      data[i] = random.nextDouble() < 0.3 ? 1f : 0f;
    }
    return FloatTensor.of(data, n, d);
  }

  /** One-hot rows [labels.length, classes]. */
  static FloatTensor oneHot(int[] labels, int classes) {
    float[] data = new float[labels.length * classes];
    for (int i = 0; i < labels.length; i++) {
      data[i * classes + labels[i]] = 1;
    }
    return FloatTensor.of(data, labels.length, classes);
  }

  /** Standard-normal data [n, d] with a fixed seed. */
  static FloatTensor normal(int n, int d, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] data = new float[n * d];
    for (int i = 0; i < data.length; i++) {
      double u1 = 1 - random.nextDouble();
      double u2 = random.nextDouble();
      data[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    return FloatTensor.of(data, n, d);
  }
}
