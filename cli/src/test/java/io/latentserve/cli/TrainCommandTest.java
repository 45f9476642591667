package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobPhase;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.Lagrangian;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.RwsPhi;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code latentserve train}: the job it submits, and the flags it refuses. */
class TrainCommandTest {
  /** Options that shape how the command runs, not the job. */
  private static final Set<String> CLIENT_OPTIONS =
      Set.of("--detach", "--trainer", "--tls-ca", "--tls-cert", "--tls-key", "--token");

  /**
   * For each option, a value other than its default and the flags it needs with it; an option
   * missing here fails the walk below, so a new option must say how it reaches the job.
   */
  private static final Map<String, List<String>> SAMPLES =
      Map.ofEntries(
          Map.entry("--model", List.of("--model", "other")),
          Map.entry("--dataset", List.of("--dataset", "fashion-mnist")),
          Map.entry("--preset", List.of("--preset", "iwae2")),
          Map.entry("--layer", List.of("--preset", "custom", "--layer", "20:64,64")),
          Map.entry("--activation", List.of("--activation", "relu")),
          Map.entry("--likelihood", List.of("--likelihood", "gaussian-learned")),
          Map.entry("--sigma", List.of("--likelihood", "gaussian-fixed", "--sigma", "0.1")),
          Map.entry(
              "--min-variance",
              List.of("--likelihood", "gaussian-learned", "--min-variance", "0.01")),
          Map.entry("--conditional", List.of("--conditional")),
          Map.entry("--objective", List.of("--objective", "info-vae")),
          Map.entry("--k", List.of("--objective", "iwae", "--k", "7")),
          Map.entry("--beta", List.of("--objective", "beta-vae", "--beta", "4")),
          Map.entry("--alpha", List.of("--objective", "info-vae", "--alpha", "0.5")),
          Map.entry("--lambda", List.of("--objective", "info-vae", "--lambda", "10")),
          Map.entry(
              "--mi", List.of("--objective", "lag-vae", "--e1", "90", "--e2", "1", "--mi", "1")),
          Map.entry(
              "--e1", List.of("--objective", "lag-vae", "--mi", "1", "--e2", "1", "--e1", "90")),
          Map.entry(
              "--e2", List.of("--objective", "lag-vae", "--mi", "1", "--e1", "90", "--e2", "1")),
          Map.entry(
              "--multiplier-lr",
              List.of(
                  "--objective",
                  "lag-vae",
                  "--mi",
                  "1",
                  "--e1",
                  "90",
                  "--e2",
                  "1",
                  "--multiplier-lr",
                  "0.01")),
          Map.entry("--epochs", List.of("--epochs", "3")),
          Map.entry("--batch-size", List.of("--batch-size", "50")),
          Map.entry("--learning-rate", List.of("--learning-rate", "0.01")),
          Map.entry("--seed", List.of("--seed", "7")),
          Map.entry("--validation-k", List.of("--validation-k", "20")),
          Map.entry(
              "--latent",
              List.of(
                  "--preset",
                  "custom",
                  "--layer",
                  "20:",
                  "--latent",
                  "bernoulli",
                  "--objective",
                  "vimco")),
          Map.entry("--rws-phi", List.of("--objective", "rws", "--rws-phi", "both")),
          Map.entry("--beta-y", List.of("--preset", "hit-mlp", "--beta-y", "3")),
          Map.entry("--beta-z", List.of("--preset", "hit-mlp", "--beta-z", "0.3")),
          Map.entry("--warmup-epochs", List.of("--preset", "hit-mlp", "--warmup-epochs", "5")),
          Map.entry("--smoothing", dvae("--smoothing", "exp")),
          Map.entry("--smoothing-beta", dvae("--smoothing-beta", "20")),
          Map.entry("--pcd-chains", dvae("--pcd-chains", "1000")),
          Map.entry("--pcd-sweeps", dvae("--pcd-sweeps", "40")),
          Map.entry("--ais-temperatures", dvae("--ais-temperatures", "500")),
          Map.entry("--ais-chains", dvae("--ais-chains", "64")));

  /** A dvae-sharp job on the dvae-1-layer-nonlin preset, then {@code flag value}. */
  private static List<String> dvae(String flag, String value) {
    return List.of("--preset", "dvae-1-layer-nonlin", "--objective", "dvae-sharp", flag, value);
  }

  @Test
  void dvaeSharp_withItsFlags_reachesTheJob() {
    JobSpec job =
        spec(
            "--preset",
            "dvae-1-layer-nonlin",
            "--objective",
            "dvae-sharp",
            "--smoothing",
            "power",
            "--k",
            "5",
            "--pcd-chains",
            "1000",
            "--pcd-sweeps",
            "40");
    Objective.Dvae d = job.getObjective().getDvae();
    assertThat(job.getArchitecture().getPreset())
        .isEqualTo(io.latentserve.proto.v1.Architecture.Preset.PRESET_DVAE_1_LAYER_NONLIN);
    assertThat(d.getVariant()).isEqualTo(Objective.Dvae.Variant.VARIANT_DVAE_SHARP);
    assertThat(d.getSmoothing()).isEqualTo(Objective.Dvae.Smoothing.SMOOTHING_POWER);
    assertThat(d.getK()).isEqualTo(5);
    assertThat(d.getPcdChains()).isEqualTo(1000);
    assertThat(d.getPcdSweeps()).isEqualTo(40);
    assertThat(d.getAisTemperatures()).isZero();
  }

  @Test
  void dvaeFlags_badValuesOrWithoutADvaePreset_areRefused() {
    assertThatThrownBy(() -> spec("--objective", "dvae-sharp"))
        .hasMessage(
            "--objective dvae-sharp needs --preset dvae-1-layer-lin or dvae-1-layer-nonlin");
    assertThatThrownBy(() -> spec(dvae("--pcd-chains", "0").toArray(String[]::new)))
        .hasMessage("--pcd-chains must be > 0, got 0");
    assertThatThrownBy(() -> spec(dvae("--smoothing", "gi").toArray(String[]::new)))
        .hasMessage("--smoothing does not accept \"gi\"");
    assertThatThrownBy(() -> spec("--preset", "dvae-4-layer-nonlin"))
        .hasMessageStartingWith("--preset dvae-4-layer-nonlin is not available yet");
  }

  private static TrainCommand parse(List<String> args) {
    TrainCommand train = new TrainCommand();
    List<String> all = new ArrayList<>(args);
    if (!args.contains("--model")) {
      all.addAll(List.of("--model", "m"));
    }
    new CommandLine(train).parseArgs(all.toArray(String[]::new));
    return train;
  }

  private static JobSpec spec(String... args) {
    return parse(List.of(args)).jobSpec();
  }

  /**
   * The rule: every option of {@code train} either reaches the job (with what it needs) or is
   * refused with an error naming it when given without what it needs. None is silently ignored.
   */
  @Test
  void everyOption_eitherChangesTheJobOrIsRefusedNamingIt() {
    JobSpec baseline = spec();
    for (OptionSpec option : new CommandLine(new TrainCommand()).getCommandSpec().options()) {
      String name = option.longestName();
      if (option.usageHelp() || option.versionHelp() || CLIENT_OPTIONS.contains(name)) {
        continue;
      }
      assertThat(SAMPLES).as("a sample of %s", name).containsKey(name);
      List<String> sample = SAMPLES.get(name);

      assertThat(parse(sample).jobSpec()).as("%s reaches the job", sample).isNotEqualTo(baseline);

      // The option alone, without the choice that uses it: it changes the job or is refused.
      List<String> alone = sample.subList(sample.indexOf(name), sample.size());
      if (alone.size() < sample.size()) {
        assertThatThrownBy(() -> parse(alone).jobSpec())
            .as("%s without %s", alone, sample.subList(0, sample.indexOf(name)))
            .isInstanceOf(CliException.class)
            .hasMessageStartingWith(name + " needs ");
      }
    }
  }

  @Test
  void layer_withoutPresetCustom_isRefusedNamingBoth() {
    assertThatThrownBy(() -> spec("--layer", "20:64,64"))
        .hasMessage("--layer needs --preset custom (--preset iwae1 has its own layers)");
  }

  @Test
  void beta_withoutBetaVae_isRefused() {
    assertThatThrownBy(() -> spec("--beta", "4"))
        .hasMessage("--beta needs --objective beta-vae (--objective elbo does not use it)");
    assertThatThrownBy(() -> spec("--objective", "beta-vae"))
        .hasMessage("--objective beta-vae needs --beta B, e.g. --beta 4");
  }

  @Test
  void hitMlp_trainsHitWithItsBetasByDefault() {
    JobSpec spec =
        spec(
            "--preset",
            "hit-mlp",
            "--beta-y",
            "0.1",
            "--beta-z",
            "10",
            "--warmup-epochs",
            "4",
            "--likelihood",
            "gaussian-fixed",
            "--sigma",
            "0.71");

    assertThat(spec.getArchitecture().getPreset())
        .isEqualTo(io.latentserve.proto.v1.Architecture.Preset.PRESET_HIT_MLP);
    assertThat(spec.getObjective().getHit().getBetaY()).isEqualTo(0.1);
    assertThat(spec.getObjective().getHit().getBetaZ()).isEqualTo(10);
    assertThat(spec.getObjective().getHit().getWarmupEpochs()).isEqualTo(4);
    assertThat(spec("--preset", "hit-mlp").getObjective().getHit().getBetaY()).isEqualTo(1);
    assertThat(spec("--preset", "hit-mlp", "--objective", "iwae").getObjective().hasIwae())
        .isTrue();
  }

  @Test
  void hit_withoutTopDownPreset_isRefused() {
    assertThatThrownBy(() -> spec("--objective", "hit"))
        .hasMessage(
            "--objective hit needs --preset hit-mlp (top-down inference), got --preset iwae1");
  }

  @Test
  void k_withTheDefaultObjective_isRefused() {
    assertThatThrownBy(() -> spec("--k", "5"))
        .hasMessage(
            "--k needs --objective iwae, dreg, vimco, rws, dvae, dvae-pp or dvae-sharp (--objective"
                + " elbo draws one sample)");
  }

  @Test
  void iwae_withoutK_trainsWithTheDocumentedDefaultK() {
    assertThat(spec("--objective", "iwae").getObjective().getIwae().getK())
        .isEqualTo(TrainCommand.DEFAULT_K)
        .isEqualTo(5);
    assertThat(spec("--objective", "dreg").getObjective().getDreg().getK()).isEqualTo(5);
  }

  @Test
  void unknownValues_areRefusedNamingTheFlag() {
    assertThatThrownBy(() -> spec("--objective", "iwea"))
        .hasMessage(
            "--objective must be elbo, beta-vae, iwae, dreg, info-vae, lag-vae, vimco, rws,"
                + " hit, dvae, dvae-pp or dvae-sharp, got \"iwea\"");
    assertThatThrownBy(() -> spec("--likelihood", "poisson"))
        .hasMessage("--likelihood does not accept \"poisson\"");
    assertThatThrownBy(() -> spec("--activation", "unspecified"))
        .hasMessage("--activation does not accept \"unspecified\"");
  }

  @Test
  void phaseLabel_lastEventAfterFinalBounds_keepsTheLabelOfTheLastPhase() {
    Job running =
        Job.newBuilder()
            .setState(JobState.JOB_STATE_RUNNING)
            .setEpoch(10)
            .setSpec(JobSpec.newBuilder().setEpochs(10))
            .build();
    Job succeeded = running.toBuilder().setState(JobState.JOB_STATE_SUCCEEDED).build();

    String training = TrainCommand.phaseLabel(JobEvent.getDefaultInstance(), running, null);
    String bounds =
        TrainCommand.phaseLabel(
            JobEvent.newBuilder().setPhase(JobPhase.JOB_PHASE_FINAL_BOUNDS).build(),
            running,
            training);
    String last = TrainCommand.phaseLabel(JobEvent.getDefaultInstance(), succeeded, bounds);

    assertThat(training).isEqualTo("epoch 10/10");
    assertThat(last).isEqualTo("final bounds");
  }

  @Test
  void sinceCreated_jobRunningForAMinute_isAMinute() {
    Job job =
        Job.newBuilder()
            .setCreated(com.google.protobuf.Timestamp.newBuilder().setSeconds(1000))
            .setUpdated(com.google.protobuf.Timestamp.newBuilder().setSeconds(1061))
            .build();

    assertThat(TrainCommand.sinceCreated(job)).hasSeconds(61);
  }

  @Test
  void enumNames_printWithoutTheirTypePrefix() {
    assertThat(Jobs.name(JobState.JOB_STATE_CANCELLED)).isEqualTo("CANCELLED");
    assertThat(Jobs.name(io.latentserve.proto.v1.Likelihood.LIKELIHOOD_BERNOULLI))
        .isEqualTo("BERNOULLI");
    assertThat(Jobs.name(JobPhase.JOB_PHASE_FINAL_BOUNDS)).isEqualTo("FINAL_BOUNDS");
  }

  @Test
  void jobSpec_bernoulliLinearLayerWithVimco_sigmoidBeliefNetSpec() {
    JobSpec spec =
        spec(
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
        spec(
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
            spec("--model", "m", "--objective", "rws", "--k", "3").getObjective().getRws().getPhi())
        .isEqualTo(RwsPhi.RWS_PHI_WAKE);
  }

  @Test
  void jobSpec_bernoulliWithPreset_rejected() {
    assertThatThrownBy(() -> spec("--model", "m", "--latent", "bernoulli", "--objective", "vimco"))
        .isInstanceOf(CliException.class)
        .hasMessage("--latent needs --preset custom (--preset iwae1 has gaussian layers)");
  }

  @Test
  void jobSpec_lagVae_constraintsAndMultiplierLearningRate() {
    Objective.LagVae lag =
        spec("--objective", "lag-vae", "--mi", "-1", "--e1", "88", "--e2", "8")
            .getObjective()
            .getLagVae();
    assertThat(lag.getMi()).isEqualTo(-1);
    assertThat(lag.getE1()).isEqualTo(88);
    assertThat(lag.getE2()).isEqualTo(8);
    // unset: the trainer applies the original code's 1e-4
    assertThat(lag.hasMultiplierOptimizer()).isFalse();

    assertThat(
            spec(
                    "--objective",
                    "lag-vae",
                    "--mi",
                    "1",
                    "--e1",
                    "90",
                    "--e2",
                    "1",
                    "--multiplier-lr",
                    "1e-3")
                .getObjective()
                .getLagVae()
                .getMultiplierOptimizer()
                .getLearningRate())
        .isEqualTo(1e-3);
  }

  @Test
  void jobSpec_lagVaeWithoutEveryBound_refusedNamingTheFlags() {
    assertThatThrownBy(() -> spec("--objective", "lag-vae", "--mi", "1", "--e1", "90"))
        .isInstanceOf(CliException.class)
        .hasMessage(
            "--objective lag-vae with constraints needs --mi, --e1 and --e2, e.g. --mi 1 --e1 90"
                + " --e2 1");
    assertThatThrownBy(
            () ->
                spec(
                    "--objective",
                    "lag-vae",
                    "--mi",
                    "1",
                    "--e1",
                    "90",
                    "--e2",
                    "1",
                    "--multiplier-lr",
                    "-1"))
        .hasMessage("--multiplier-lr must be a number > 0, got -1.0");
  }

  @Test
  void jobSpec_infoVaeByConstraints_alternativeToAlphaLambda() {
    Objective.InfoVae info =
        spec("--objective", "info-vae", "--mi", "1", "--e1", "86", "--e2", "5")
            .getObjective()
            .getInfoVae();
    assertThat(info.getConstraints())
        .isEqualTo(Objective.Constraints.newBuilder().setMi(1).setE1(86).setE2(5).build());
    assertThat(info.getAlpha()).isZero();

    assertThatThrownBy(
            () ->
                spec(
                    "--objective",
                    "info-vae",
                    "--alpha",
                    "0.5",
                    "--mi",
                    "1",
                    "--e1",
                    "86",
                    "--e2",
                    "5"))
        .hasMessage("--objective info-vae takes --alpha/--lambda or --mi/--e1/--e2, not both");
    assertThatThrownBy(
            () -> spec("--objective", "info-vae", "--multiplier-lr", "1e-3", "--alpha", "0.5"))
        .hasMessage(
            "--multiplier-lr needs --objective lag-vae (--objective info-vae does not use it)");
  }

  @Test
  void lagrangian_progressLine_showsMultipliersAndConstraintValues() {
    JobEvent event =
        JobEvent.newBuilder()
            .setLagrangian(
                Lagrangian.newBuilder()
                    .setConsistencyMultiplier(1.00314)
                    .setMmdMultiplier(0.99687)
                    .setConsistency(91.4213)
                    .setMmd(0.6249))
            .build();

    assertThat(TrainCommand.lagrangian(event))
        .isEqualTo("  lambda1 1.0031 (nll+kl 91.42)  lambda2 0.9969 (mmd 0.62)");
    assertThat(TrainCommand.lagrangian(JobEvent.getDefaultInstance())).isEmpty();
  }

  @Test
  void jobSpec_rwsPhiWithoutRws_refusedNamingIt() {
    assertThatThrownBy(() -> spec("--objective", "vimco", "--rws-phi", "sleep"))
        .isInstanceOf(CliException.class)
        .hasMessage("--rws-phi needs --objective rws (--objective vimco does not use it)");
  }
}
