package io.latentserve.inference.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.StandardGraphSpecs;
import io.latentserve.bundle.TensorSpec;
import io.latentserve.inference.core.InferenceFailedException;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxGraphRunnerTest {
  private static final OnnxConfig CPU = new OnnxConfig(OnnxDevice.parse("cpu"), 1);

  /** 12 features, one layer of 3 with 10 relu units, learned-variance Gaussian likelihood. */
  private static final VaeArchitecture GAUSSIAN =
      new VaeArchitecture(
          12,
          List.of(new StochasticLayer("z1", 3, List.of(10))),
          Activation.RELU,
          LikelihoodFamily.GAUSSIAN_LEARNED,
          0);

  @TempDir Path root;

  @Test
  void run_everyGraph_returnsTheSpecifiedOutputsWithBatchOnAxisZero() {
    Bundle bundle = TestBundles.publish(VaeWeights.random(GAUSSIAN, 1), root, "gauss");
    try (OnnxGraphRunner runner = OnnxGraphRunner.open(bundle, CPU)) {
      assertThat(runner.device()).isEqualTo("cpu");
      for (GraphRole role : GraphRole.values()) {
        Map<String, FloatTensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : StandardGraphSpecs.forRole(GAUSSIAN, role).inputs()) {
          long[] shape = spec.shape().stream().mapToLong(d -> d == -1 ? 5 : d).toArray();
          inputs.put(spec.name(), normal(shape, 3));
        }
        Map<String, FloatTensor> outputs = runner.run(role, inputs);
        List<TensorSpec> specs = StandardGraphSpecs.forRole(GAUSSIAN, role).outputs();
        assertThat(outputs.keySet())
            .as("%s outputs", role)
            .containsExactlyInAnyOrderElementsOf(specs.stream().map(TensorSpec::name).toList());
        for (TensorSpec spec : specs) {
          long[] expected = spec.shape().stream().mapToLong(d -> d == -1 ? 5 : d).toArray();
          assertThat(outputs.get(spec.name()).shape()).as(spec.name()).containsExactly(expected);
        }
      }
    }
  }

  @Test
  void run_gaussianLogJoint_matchesReference() {
    VaeWeights weights = VaeWeights.random(GAUSSIAN, 2);
    Bundle bundle = TestBundles.publish(weights, root, "gauss");
    FloatTensor x = normal(new long[] {6, 12}, 4);
    FloatTensor z = normal(new long[] {6, 3}, 5);
    ReferenceVae.LogJoint expected = new ReferenceVae(weights).logJoint(x, List.of(z));
    try (OnnxGraphRunner runner = OnnxGraphRunner.open(bundle, CPU)) {
      Map<String, FloatTensor> out =
          runner.run(GraphRole.LOG_JOINT, Map.of(GraphNames.X, x, GraphNames.sample("z1"), z));
      for (int i = 0; i < 6; i++) {
        assertThat((double) out.get(GraphNames.LOG_PX_Z).data()[i])
            .isCloseTo(
                expected.logPxGivenZ()[i],
                within(1e-4 * (1 + Math.abs(expected.logPxGivenZ()[i]))));
        assertThat((double) out.get(GraphNames.LOG_PZ).data()[i])
            .isCloseTo(expected.logPz()[i], within(1e-4 * (1 + Math.abs(expected.logPz()[i]))));
      }
    }
  }

  @Test
  void run_moreSamplesThanOneCpuCall_splitIntoAlignedCallsIdenticalToOneCall() {
    // latent size 3: rows must keep their position modulo 4
    Bundle bundle = TestBundles.publish(VaeWeights.random(GAUSSIAN, 3), root, "gauss");
    OnnxConfig whole = new OnnxConfig(OnnxDevice.parse("cpu"), 2, Integer.MAX_VALUE);
    OnnxConfig split = new OnnxConfig(OnnxDevice.parse("cpu"), 2, 30); // 10 rows of 3 samples
    Map<String, FloatTensor> weightsInputs =
        Map.of(
            GraphNames.X,
            normal(new long[] {23, 12}, 6),
            GraphNames.eps("z1"),
            normal(new long[] {23, 3, 3}, 7));
    Map<String, FloatTensor> encoderInputs =
        Map.of(
            GraphNames.X,
            normal(new long[] {45, 12}, 8),
            GraphNames.eps("z1"),
            normal(new long[] {45, 3}, 9));
    try (OnnxGraphRunner one = OnnxGraphRunner.open(bundle, whole);
        OnnxGraphRunner many = OnnxGraphRunner.open(bundle, split)) {
      assertThat(many.rowsPerRun(23, 3)).isEqualTo(8);
      assertThat(many.rowsPerRun(45, 1)).isEqualTo(28);
      assertThat(many.rowsPerRun(5, 100)).isEqualTo(4); // at least one alignment
      assertThat(many.run(GraphRole.LOG_WEIGHTS, weightsInputs))
          .isEqualTo(one.run(GraphRole.LOG_WEIGHTS, weightsInputs));
      assertThat(many.run(GraphRole.ENCODER, encoderInputs))
          .isEqualTo(one.run(GraphRole.ENCODER, encoderInputs));
    }
  }

  @Test
  void run_afterClose_throwsModelUnavailable() {
    Bundle bundle = TestBundles.publish(VaeWeights.random(GAUSSIAN, 1), root, "gauss");
    OnnxGraphRunner runner = OnnxGraphRunner.open(bundle, CPU);
    runner.close();
    runner.close(); // idempotent
    assertThatThrownBy(
            () -> runner.run(GraphRole.DECODER, Map.of("z1", normal(new long[] {1, 3}, 1))))
        .isInstanceOf(ModelUnavailableException.class)
        .hasMessage("model gauss/1 is closed");
  }

  @Test
  void run_missingInput_wrapsEngineError() {
    Bundle bundle = TestBundles.publish(VaeWeights.random(GAUSSIAN, 1), root, "gauss");
    try (OnnxGraphRunner runner = OnnxGraphRunner.open(bundle, CPU)) {
      assertThatThrownBy(
              () ->
                  runner.run(
                      GraphRole.LOG_JOINT, Map.of(GraphNames.X, normal(new long[] {1, 12}, 1))))
          .isInstanceOf(InferenceFailedException.class)
          .hasMessageStartingWith("LOG_JOINT graph of gauss/1 failed");
    }
  }

  @Test
  void open_corruptGraph_throwsInferenceFailedNamingModelAndDevice() throws IOException {
    Bundle bundle = TestBundles.publish(VaeWeights.random(GAUSSIAN, 1), root, "gauss");
    Files.write(bundle.graphFile(GraphRole.DECODER), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> OnnxGraphRunner.open(bundle, CPU))
        .isInstanceOf(InferenceFailedException.class)
        .hasMessageStartingWith("cannot load gauss/1 on cpu");
  }

  @Test
  void cpuRowAlignment_widths_lcmOfFourOverGcd() {
    assertThat(OnnxGraphRunner.cpuRowAlignment(VaeArchitecture.iwaeOneLayer())).isEqualTo(2);
    assertThat(OnnxGraphRunner.cpuRowAlignment(VaeArchitecture.iwaeTwoLayer())).isEqualTo(2);
    assertThat(OnnxGraphRunner.cpuRowAlignment(GAUSSIAN)).isEqualTo(4); // latent size 3
    VaeArchitecture aligned =
        new VaeArchitecture(
            784,
            List.of(new StochasticLayer("z1", 64, List.of(512, 512))),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    assertThat(OnnxGraphRunner.cpuRowAlignment(aligned)).isEqualTo(1);
  }

  private static FloatTensor normal(long[] shape, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] data = new float[Math.toIntExact(FloatTensor.elementCount(shape))];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return FloatTensor.of(data, shape);
  }
}
