package io.latentserve.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.latentserve.model.InferenceStructure;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.Prior;
import io.latentserve.proto.v1.LatentDistribution;
import io.latentserve.proto.v1.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatentDistributionsTest {
  @Test
  void everyFamily_roundTripsThroughItsOwnCase() {
    for (LatentFamily family : LatentFamily.all()) {
      List<Tensor> parameters = new ArrayList<>();
      for (int p = 0; p < family.parameterCount(); p++) {
        parameters.add(
            Tensor.newBuilder()
                .addShape(1)
                .addShape(p + 1)
                .setData(ByteString.copyFrom(new byte[4 * (p + 1)]))
                .build());
      }
      LatentDistribution d = LatentDistributions.distribution("z1", family, parameters).build();
      assertThat(LatentDistributions.family(d)).isSameAs(family);
      assertThat(LatentDistributions.parameters(d)).isEqualTo(parameters);
      assertThat(LatentDistributions.fromApi(LatentDistributions.toApi(family))).isSameAs(family);
    }
  }

  @Test
  void bernoulli_usesTheBernoulliCaseAndEnumValue() {
    Tensor logits = Tensor.newBuilder().addShape(2).addShape(3).build();
    LatentDistribution d =
        LatentDistributions.distribution("z2", LatentFamily.BERNOULLI, List.of(logits)).build();
    assertThat(d.getParamsCase()).isEqualTo(LatentDistribution.ParamsCase.BERNOULLI);
    assertThat(d.getBernoulli().getLogits()).isEqualTo(logits);
    assertThat(LatentDistributions.toApi(LatentFamily.BERNOULLI))
        .isEqualTo(io.latentserve.proto.v1.LatentFamily.LATENT_FAMILY_BERNOULLI);
  }

  @Test
  void priors_mapToTheirEnumValues() {
    assertThat(LatentDistributions.toApi(Prior.STANDARD_NORMAL))
        .isEqualTo(io.latentserve.proto.v1.Prior.PRIOR_STANDARD_NORMAL);
    assertThat(LatentDistributions.toApi(Prior.CONDITIONAL))
        .isEqualTo(io.latentserve.proto.v1.Prior.PRIOR_CONDITIONAL);
    assertThat(LatentDistributions.toApi(Prior.LEARNED))
        .isEqualTo(io.latentserve.proto.v1.Prior.PRIOR_LEARNED);
    for (Prior p : Prior.all()) {
      assertThat(LatentDistributions.fromApi(LatentDistributions.toApi(p))).isSameAs(p);
    }
  }

  @Test
  void inferenceStructures_roundTripAndUnspecifiedIsBottomUp() {
    for (InferenceStructure s : InferenceStructure.all()) {
      assertThat(LatentDistributions.fromApi(LatentDistributions.toApi(s))).isSameAs(s);
    }
    assertThat(LatentDistributions.toApi(InferenceStructure.TOP_DOWN))
        .isEqualTo(io.latentserve.proto.v1.InferenceStructure.INFERENCE_STRUCTURE_TOP_DOWN);
    assertThat(
            LatentDistributions.fromApi(
                io.latentserve.proto.v1.InferenceStructure.INFERENCE_STRUCTURE_UNSPECIFIED))
        .isSameAs(InferenceStructure.BOTTOM_UP);
  }

  @Test
  void missingCase_isRejectedNamingTheLayer() {
    assertThatThrownBy(
            () ->
                LatentDistributions.family(LatentDistribution.newBuilder().setLayer("z3").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layer z3");
  }

  @Test
  void wrongParameterCount_isRejected() {
    assertThatThrownBy(
            () -> LatentDistributions.distribution("z1", LatentFamily.GAUSSIAN, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("gaussian has 2 parameters, got 0");
  }
}
