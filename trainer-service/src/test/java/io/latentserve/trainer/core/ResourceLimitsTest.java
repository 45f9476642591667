package io.latentserve.trainer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceLimitsTest {
  private static final ResourceLimits DEFAULTS = ResourceLimits.defaults();

  private static VaeArchitecture architecture(List<StochasticLayer> layers) {
    return new VaeArchitecture(784, layers, Activation.TANH, LikelihoodFamily.BERNOULLI, 0);
  }

  private static TrainingSpec spec(VaeArchitecture architecture, int batch, int k) {
    return new TrainingSpec(
        "m", "mnist", architecture, new Objective.Iwae(k), 0.001, batch, 1, 1, 10);
  }

  private static TrainingSpec spec(List<StochasticLayer> layers) {
    return spec(architecture(layers), 100, 1);
  }

  private static void assertRefused(
      ResourceLimits limits, TrainingSpec spec, String field, String message) {
    assertThatThrownBy(() -> limits.check(spec))
        .isInstanceOf(SpecTooLargeException.class)
        .hasMessage(message)
        .extracting(e -> ((SpecTooLargeException) e).field())
        .isEqualTo(field);
  }

  @Test
  void check_iwaePresetsAtTheirUsualSizes_accepted() {
    assertThatCode(() -> DEFAULTS.check(spec(VaeArchitecture.iwaeOneLayer(), 100, 50)))
        .doesNotThrowAnyException();
    assertThatCode(() -> DEFAULTS.check(spec(VaeArchitecture.iwaeTwoLayer(), 100, 50)))
        .doesNotThrowAnyException();
  }

  @Test
  void check_twoMillionWideHiddenLayer_refusedNamingFieldValueLimitAndFlag() {
    assertRefused(
        DEFAULTS,
        spec(List.of(new StochasticLayer("z1", 50, List.of(200, 2_000_000)))),
        "spec.architecture.layers[0].hidden[1]",
        "spec.architecture.layers[0].hidden[1] = 2000000 exceeds the limit 65536"
            + " (--max-hidden-width)");
  }

  @Test
  void check_hiddenWidthAtTheLimit_accepted() {
    ResourceLimits limits = new ResourceLimits(4096, 300, 8, 16, 50_000_000L, 4L << 30);
    assertThatCode(
            () -> limits.check(spec(List.of(new StochasticLayer("z1", 50, List.of(300, 300))))))
        .doesNotThrowAnyException();
    assertRefused(
        limits,
        spec(List.of(new StochasticLayer("z1", 50, List.of(300, 301)))),
        "spec.architecture.layers[0].hidden[1]",
        "spec.architecture.layers[0].hidden[1] = 301 exceeds the limit 300 (--max-hidden-width)");
  }

  @Test
  void check_latentDimOverTheLimit_refused() {
    assertRefused(
        DEFAULTS,
        spec(
            List.of(
                new StochasticLayer("z1", 100, List.of(100)),
                new StochasticLayer("z2", 5000, List.of(10)))),
        "spec.architecture.layers[1].latent_dim",
        "spec.architecture.layers[1].latent_dim = 5000 exceeds the limit 4096 (--max-latent-dim)");
  }

  @Test
  void check_tooManyStochasticLayers_refused() {
    List<StochasticLayer> layers = new ArrayList<>();
    for (int l = 1; l <= 9; l++) {
      layers.add(new StochasticLayer("z" + l, 4, List.of(4)));
    }
    assertRefused(
        DEFAULTS,
        spec(layers),
        "spec.architecture.layers",
        "spec.architecture.layers has 9 stochastic layers, more than the limit 8 (--max-layers)");
    assertThatCode(() -> DEFAULTS.check(spec(layers.subList(0, 8)))).doesNotThrowAnyException();
  }

  @Test
  void check_tooManyHiddenLayers_refused() {
    assertRefused(
        DEFAULTS,
        spec(List.of(new StochasticLayer("z1", 4, Collections.nCopies(17, 8)))),
        "spec.architecture.layers[0].hidden",
        "spec.architecture.layers[0].hidden has 17 hidden layers, more than the limit 16"
            + " (--max-hidden-layers)");
  }

  @Test
  void check_parametersOverTheLimit_refusedWithTheCount() {
    // each width within its limit, together 784*60000 + 60000*60000 + ... parameters
    VaeArchitecture wide =
        architecture(List.of(new StochasticLayer("z1", 50, List.of(60_000, 60_000))));
    assertRefused(
        DEFAULTS,
        spec(wide, 1, 1),
        "spec.architecture",
        "spec.architecture has "
            + wide.parameterCount()
            + " parameters, more than the limit 50000000 (--max-parameters)");
    assertThat(wide.parameterCount()).isGreaterThan(3_600_000_000L);
    ResourceLimits small = new ResourceLimits(4096, 65_536, 8, 16, 1000, 4L << 30);
    assertRefused(
        small,
        spec(VaeArchitecture.iwaeOneLayer(), 1, 1),
        "spec.architecture",
        "spec.architecture has "
            + VaeArchitecture.iwaeOneLayer().parameterCount()
            + " parameters, more than the limit 1000 (--max-parameters)");
  }

  /** The documented formula: batch x k x A x 4 bytes x 2, A summed over the networks' widths. */
  @Test
  void stepActivationBytes_followsTheDocumentedFormula() {
    // IWAE 1 layer: encoder 200 + 200 + 2*50 + 50 (the sample), decoder 200 + 200 + 784 = 1734
    assertThat(ResourceLimits.activationsPerRow(VaeArchitecture.iwaeOneLayer())).isEqualTo(1734);
    assertThat(ResourceLimits.stepActivationBytes(spec(VaeArchitecture.iwaeOneLayer(), 100, 50)))
        .isEqualTo(100L * 50 * 1734 * 8);
    // IWAE 2 layers: z1 100+100 + 2*100 + 100, 100+100 + 784; z2 50+50 + 2*50 + 50, 50+50 + 2*100
    assertThat(ResourceLimits.activationsPerRow(VaeArchitecture.iwaeTwoLayer()))
        .isEqualTo(500 + 984 + 250 + 300);
  }

  @Test
  void check_stepActivationsOverTheBudget_refusedNamingTheEstimate() {
    ResourceLimits limits = new ResourceLimits(4096, 65_536, 8, 16, 50_000_000L, 64L << 20);
    // 100 x 50 x 1734 x 8 bytes = 66.1 MiB > 64 MiB
    assertRefused(
        limits,
        spec(VaeArchitecture.iwaeOneLayer(), 100, 50),
        "spec.optimizer.batch_size",
        "one step of spec.optimizer.batch_size 100 x 50 samples x 1734 activations x 8 bytes"
            + " needs 66.1MiB, more than the limit 64MiB (--max-step-memory)");
    assertThatCode(() -> limits.check(spec(VaeArchitecture.iwaeOneLayer(), 100, 48)))
        .doesNotThrowAnyException();
  }

  @Test
  void new_nonPositiveLimit_refused() {
    assertThatThrownBy(() -> new ResourceLimits(0, 1, 1, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resource limits must be >= 1, got 0");
  }
}
