package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.RwsPhi;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TrainCommandTest {
  private static JobSpec parse(String... args) {
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs(args);
    return command.jobSpec();
  }

  @Test
  void jobSpec_bernoulliLinearLayerWithVimco_sigmoidBeliefNetSpec() {
    JobSpec spec =
        parse(
            "--model",
            "sbn",
            "--latent",
            "bernoulli",
            "--preset",
            "custom",
            "--layer",
            "200:",
            "--objective",
            "vimco",
            "--k",
            "5");
    assertThat(spec.getArchitecture().getLayersCount()).isEqualTo(1);
    assertThat(spec.getArchitecture().getLayers(0).getLatentDim()).isEqualTo(200);
    assertThat(spec.getArchitecture().getLayers(0).getHiddenList()).isEmpty();
    assertThat(spec.getArchitecture().getLayers(0).getFamily())
        .isEqualTo(LatentFamily.LATENT_FAMILY_BERNOULLI);
    assertThat(spec.getObjective().getVimco().getK()).isEqualTo(5);
  }

  @Test
  void jobSpec_rwsWithPhi_rwsObjective() {
    JobSpec spec =
        parse(
            "--model",
            "sbn",
            "--latent",
            "bernoulli",
            "--preset",
            "custom",
            "--layer",
            "20:",
            "--layer",
            "10:",
            "--objective",
            "rws",
            "--k",
            "5",
            "--rws-phi",
            "both");
    assertThat(spec.getArchitecture().getLayersList())
        .allSatisfy(l -> assertThat(l.getFamily()).isEqualTo(LatentFamily.LATENT_FAMILY_BERNOULLI));
    assertThat(spec.getObjective().getRws().getK()).isEqualTo(5);
    assertThat(spec.getObjective().getRws().getPhi()).isEqualTo(RwsPhi.RWS_PHI_BOTH);
    assertThat(
            parse("--model", "m", "--objective", "rws", "--k", "3")
                .getObjective()
                .getRws()
                .getPhi())
        .isEqualTo(RwsPhi.RWS_PHI_WAKE);
  }

  @Test
  void jobSpec_bernoulliWithPreset_rejected() {
    assertThatThrownBy(() -> parse("--model", "m", "--latent", "bernoulli", "--objective", "vimco"))
        .isInstanceOf(CliException.class)
        .hasMessage("--latent bernoulli needs --preset custom (presets are gaussian)");
  }
}
