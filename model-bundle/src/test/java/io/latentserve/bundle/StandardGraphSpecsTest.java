package io.latentserve.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StandardGraphSpecsTest {

  @Test
  void forArchitecture_oneLayer_coversEveryRoleWithItsFile() {
    Map<GraphRole, GraphSpec> specs =
        StandardGraphSpecs.forArchitecture(VaeArchitecture.iwaeOneLayer());

    assertThat(specs).containsOnlyKeys(GraphRole.values());
    for (GraphRole role : GraphRole.values()) {
      assertThat(specs.get(role).file()).isEqualTo(role.fileName());
    }
  }

  @Test
  void forRole_encoderOfOneLayer_hasDataNoiseAndPosteriorParameters() {
    GraphSpec encoder =
        StandardGraphSpecs.forRole(VaeArchitecture.iwaeOneLayer(), GraphRole.ENCODER);

    assertThat(encoder.inputs())
        .containsExactly(
            new TensorSpec("x", List.of(-1L, 784L)), new TensorSpec("eps_z1", List.of(-1L, 50L)));
    assertThat(encoder.outputs())
        .containsExactly(
            new TensorSpec("z1_mean", List.of(-1L, 50L)),
            new TensorSpec("z1_logvar", List.of(-1L, 50L)),
            new TensorSpec("z1", List.of(-1L, 50L)));
  }

  @Test
  void forRole_decoderOfTwoLayers_startsAtTopAndSamplesLayersBelow() {
    GraphSpec decoder =
        StandardGraphSpecs.forRole(VaeArchitecture.iwaeTwoLayer(), GraphRole.DECODER);

    assertThat(decoder.inputs())
        .containsExactly(
            new TensorSpec("z2", List.of(-1L, 50L)), new TensorSpec("eps_z1", List.of(-1L, 100L)));
    assertThat(decoder.outputs())
        .containsExactly(
            new TensorSpec("x_mean", List.of(-1L, 784L)),
            new TensorSpec("z1_prior_mean", List.of(-1L, 100L)),
            new TensorSpec("z1_prior_logvar", List.of(-1L, 100L)),
            new TensorSpec("z1", List.of(-1L, 100L)));
  }

  @Test
  void forRole_decoderWithLearnedGaussian_hasLogVarianceOutput() {
    VaeArchitecture arch =
        new VaeArchitecture(
            3,
            List.of(new StochasticLayer("z", 2, List.of())),
            Activation.TANH,
            LikelihoodFamily.GAUSSIAN_LEARNED,
            0);

    GraphSpec decoder = StandardGraphSpecs.forRole(arch, GraphRole.DECODER);

    assertThat(decoder.outputs())
        .containsExactly(
            new TensorSpec("x_mean", List.of(-1L, 3L)),
            new TensorSpec("x_logvar", List.of(-1L, 3L)));
  }

  @Test
  void forRole_logDensitiesOfTwoLayers_givePerLayerTerms() {
    VaeArchitecture arch = VaeArchitecture.iwaeTwoLayer();

    GraphSpec joint = StandardGraphSpecs.forRole(arch, GraphRole.LOG_JOINT);
    GraphSpec posterior = StandardGraphSpecs.forRole(arch, GraphRole.LOG_POSTERIOR);

    List<TensorSpec> samples =
        List.of(
            new TensorSpec("x", List.of(-1L, 784L)),
            new TensorSpec("z1", List.of(-1L, 100L)),
            new TensorSpec("z2", List.of(-1L, 50L)));
    assertThat(joint.inputs()).isEqualTo(samples);
    assertThat(posterior.inputs()).isEqualTo(samples);
    assertThat(joint.outputs())
        .extracting(TensorSpec::name)
        .containsExactly("log_px_z", "log_pz", "log_p_z1", "log_p_z2");
    assertThat(joint.outputs()).allSatisfy(t -> assertThat(t.shape()).containsExactly(-1L));
    assertThat(posterior.outputs())
        .extracting(TensorSpec::name)
        .containsExactly("log_qz", "log_q_z1", "log_q_z2");
  }

  @Test
  void forRole_logWeights_hasSampleAxisOnNoiseAndOutputs() {
    GraphSpec weights =
        StandardGraphSpecs.forRole(VaeArchitecture.iwaeTwoLayer(), GraphRole.LOG_WEIGHTS);

    assertThat(weights.inputs())
        .containsExactly(
            new TensorSpec("x", List.of(-1L, 784L)),
            new TensorSpec("eps_z1", List.of(-1L, -1L, 100L)),
            new TensorSpec("eps_z2", List.of(-1L, -1L, 50L)));
    assertThat(weights.outputs())
        .extracting(TensorSpec::name)
        .containsExactly("log_w", "log_px_z", "log_pz", "log_qz");
    assertThat(weights.outputs()).allSatisfy(t -> assertThat(t.shape()).containsExactly(-1L, -1L));
  }

  @Test
  void forArchitecture_conditional_addsConditionInputToEveryGraphAndTopPriorToDecoder() {
    VaeArchitecture architecture = VaeArchitecture.iwaeTwoLayer().withConditionDim(10);
    TensorSpec condition = new TensorSpec("condition", List.of(-1L, 10L));

    Map<GraphRole, GraphSpec> specs = StandardGraphSpecs.forArchitecture(architecture);

    for (GraphRole role : GraphRole.values()) {
      assertThat(specs.get(role).inputs()).as("%s inputs", role).element(1).isEqualTo(condition);
    }
    assertThat(specs.get(GraphRole.LOG_WEIGHTS).inputs())
        .extracting(TensorSpec::name)
        .containsExactly("x", "condition", "eps_z1", "eps_z2");
    assertThat(specs.get(GraphRole.DECODER).outputs())
        .extracting(TensorSpec::name)
        .containsExactly(
            "x_mean", "z1_prior_mean", "z1_prior_logvar", "z1", "z2_prior_mean", "z2_prior_logvar");
  }

  @Test
  void forArchitecture_unconditional_hasNoConditionInput() {
    Map<GraphRole, GraphSpec> specs =
        StandardGraphSpecs.forArchitecture(VaeArchitecture.iwaeTwoLayer());

    for (GraphSpec spec : specs.values()) {
      assertThat(spec.inputs()).extracting(TensorSpec::name).doesNotContain("condition");
    }
  }
}
