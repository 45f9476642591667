package io.latentserve.inference.app;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.model.Activation;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Real bundles for tests: random VAE weights exported to ONNX and published to a repository. */
public final class TestBundles {
  /** A small two-layer MNIST-shaped VAE: 784-16-(8)-8-(4), tanh, Bernoulli pixels. */
  static final VaeArchitecture ARCHITECTURE =
      new VaeArchitecture(
          784,
          List.of(
              new StochasticLayer("z1", 8, List.of(16)), new StochasticLayer("z2", 4, List.of(8))),
          Activation.TANH,
          LikelihoodFamily.BERNOULLI,
          0);

  private TestBundles() {}

  /** Publishes the next version of {@code model} with weights drawn from {@code seed}. */
  public static Bundle publish(FileSystemModelRepository repository, String model, long seed) {
    Provenance provenance =
        new Provenance(
            "{\"generator\":\"VaeWeights.random\",\"seed\":" + seed + "}",
            "none",
            seed,
            0,
            Map.of("train_elbo", -543.25),
            "test",
            Instant.parse("2026-01-02T03:04:05Z"));
    return VaeBundles.publish(repository, model, VaeWeights.random(ARCHITECTURE, seed), provenance);
  }

  /**
   * Publishes the next version of {@code model}: {@link #ARCHITECTURE} conditioned on {@code
   * conditionDim} values, weights drawn from {@code seed}.
   */
  static Bundle publishConditional(
      FileSystemModelRepository repository, String model, long seed, int conditionDim) {
    Provenance provenance =
        new Provenance(
            "{\"generator\":\"VaeWeights.random\",\"seed\":" + seed + "}",
            "none",
            seed,
            0,
            Map.of(),
            "test",
            Instant.parse("2026-01-02T03:04:05Z"));
    return VaeBundles.publish(
        repository,
        model,
        VaeWeights.random(ARCHITECTURE.withConditionDim(conditionDim), seed),
        provenance);
  }

  /** {@code rows} dynamically binarized pseudo-images, [rows, 784] row-major, seeded. */
  public static float[] binaryImages(int rows, long seed) {
    float[] x = new float[rows * ARCHITECTURE.inputDim()];
    for (int i = 0; i < rows; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.BINARIZATION, i);
      for (int j = 0; j < ARCHITECTURE.inputDim(); j++) {
        double p = 0.1 + 0.8 * ((i + j) % 7) / 6.0;
        x[i * ARCHITECTURE.inputDim() + j] = CounterNoise.uniform(key, j) < p ? 1f : 0f;
      }
    }
    return x;
  }
}
