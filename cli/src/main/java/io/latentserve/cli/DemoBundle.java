package io.latentserve.cli;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.ModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.model.LatentserveVersion;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * Deterministic demo bundles: seeded random weights for a named architecture, optionally
 * conditioned on a vector of C values (a CVAE, e.g. C = 10 for one-hot MNIST labels).
 */
public enum DemoBundle {
  /** IWAE paper, one stochastic layer (784-200-200-50, tanh, Bernoulli). */
  IWAE1(VaeArchitecture.iwaeOneLayer()),
  /** IWAE paper, two stochastic layers (784-100-100-100-50-50-50, tanh, Bernoulli). */
  IWAE2(VaeArchitecture.iwaeTwoLayer());

  private final VaeArchitecture architecture;

  DemoBundle(VaeArchitecture architecture) {
    this.architecture = architecture;
  }

  public VaeArchitecture architecture() {
    return architecture;
  }

  /** The architecture conditioned on {@code conditionDim} values (0: unconditional). */
  public VaeArchitecture architecture(int conditionDim) {
    return architecture.withConditionDim(conditionDim);
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Publishes the next version of {@code modelName}; the same seed always gives the same weights.
   */
  public Bundle publish(ModelRepository repository, String modelName, long seed) {
    return publish(repository, modelName, seed, 0);
  }

  /**
   * Publishes the next version of {@code modelName}, conditioned on {@code conditionDim} values
   * when it is > 0; the same seed and condition size always give the same weights.
   */
  public Bundle publish(ModelRepository repository, String modelName, long seed, int conditionDim) {
    String spec =
        "{\"generator\":\"latentserve bundle demo\",\"architecture\":\""
            + cliName()
            + "\",\"seed\":"
            + seed
            + (conditionDim > 0 ? ",\"conditionDim\":" + conditionDim : "")
            + "}";
    Provenance provenance =
        new Provenance(spec, "none", seed, 0, Map.of(), LatentserveVersion.get(), Instant.now());
    return VaeBundles.publish(
        repository, modelName, VaeWeights.random(architecture(conditionDim), seed), provenance);
  }
}
