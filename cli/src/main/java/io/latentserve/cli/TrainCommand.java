package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.latentserve.proto.v1.Activation;
import io.latentserve.proto.v1.Architecture;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.Optimizer;
import io.latentserve.proto.v1.RwsPhi;
import io.latentserve.proto.v1.StochasticLayerSpec;
import io.latentserve.proto.v1.SubmitJobRequest;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.proto.v1.WatchJobRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code latentserve train}: submits a training job and follows it with a live progress bar. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a VAE on a running trainer-service and publish it as a bundle.")
final class TrainCommand implements Callable<Integer> {
  static final int DEFAULT_K = 5;
  private static final java.util.Set<String> SAMPLING_OBJECTIVES =
      java.util.Set.of("iwae", "dreg", "vimco", "rws", "dvae", "dvae-pp", "dvae-sharp");
  static final double DEFAULT_ALPHA = 0;
  static final double DEFAULT_LAMBDA = 1000;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  // Not picocli-required: `sweep` mixes these options in and names its points by --name.
  @Option(
      names = "--model",
      description = "Name under which the model is published (required with train).")
  String model;

  @Option(
      names = "--dataset",
      defaultValue = "mnist-10k",
      description = "Catalogue dataset (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(
      names = "--preset",
      defaultValue = "iwae1",
      description =
          "Architecture: iwae1 (784-200-200-50), iwae2 (784-100-100-100-50-50-50), hit-mlp (HIT's"
              + " two layers, y 100 below z 50, with the widths of iwae2 and top-down inference"
              + " q(z|x) q(y|z,x); trained with --objective hit unless another is named), custom"
              + " (see --layer), or the DVAE family's dvae-1-layer-lin (200 binary latents, linear"
              + " networks) and dvae-1-layer-nonlin (200 binary latents, 2x200 tanh), both with an"
              + " RBM prior (default: ${DEFAULT-VALUE}).")
  String preset;

  @Option(
      names = "--layer",
      description =
          "Custom stochastic layer LATENT:HIDDEN,HIDDEN... (repeat, layer 1 first), e.g. 20:64,64;"
              + " no widths after the colon (200:) makes a linear layer; required with --preset"
              + " custom, refused with the other presets (no default).")
  List<String> layers = List.of();

  @Option(
      names = "--latent",
      defaultValue = "gaussian",
      description =
          "Family of the custom layers: gaussian or bernoulli (binary units with a learned prior,"
              + " a sigmoid belief net with linear layers; train it with vimco or rws)"
              + " (default: ${DEFAULT-VALUE}).")
  // Initialized for commands built in code (quickstart), which picocli does not parse.
  String latent = "gaussian";

  @Option(
      names = "--activation",
      defaultValue = "tanh",
      description = "tanh or relu (default: ${DEFAULT-VALUE}).")
  String activation;

  @Option(
      names = "--likelihood",
      defaultValue = "bernoulli",
      description = "bernoulli, gaussian-fixed or gaussian-learned (default: ${DEFAULT-VALUE}).")
  String likelihood;

  @Option(
      names = "--sigma",
      description = "Fixed sigma; required with --likelihood gaussian-fixed (no default).")
  Double sigma;

  @Option(
      names = "--min-variance",
      description =
          "Floor on the variance of --likelihood gaussian-learned: the decoder's log variance is"
              + " held at or above log V in training, the bundle's graphs and serving"
              + " (default: 0.001, a standard deviation of about 0.03).")
  Double minVariance;

  @Option(
      names = "--conditional",
      description = "Condition encoder and prior on the label (CVAE / CIWAE).")
  boolean conditional;

  @Option(
      names = "--objective",
      description =
          "elbo, beta-vae, iwae, dreg, info-vae, lag-vae, vimco, rws, hit (HIT's D + beta_y R_y"
              + " + beta_z R_z, for --preset hit-mlp), or with a dvae preset dvae (spike-exp ELBO),"
              + " dvae-pp (DVAE++ ELBO) or dvae-sharp (DVAE# importance-weighted bound) (default:"
              + " hit with --preset hit-mlp, else elbo).")
  String objective;

  @Option(
      names = "--beta-y",
      description = "Weight of the bottom layer's rate R_y, with --objective hit (default: 1).")
  Double betaY;

  @Option(
      names = "--beta-z",
      description = "Weight of the top layer's rate R_z, with --objective hit (default: 1).")
  Double betaZ;

  @Option(
      names = "--warmup-epochs",
      description =
          "Epochs over which --objective hit's rates rise linearly to their weights (LVAE's"
              + " warm-up) (default: 0, none).")
  Integer warmupEpochs;

  @Option(
      names = "--smoothing",
      description =
          "Relaxation of the binary latents for dvae objectives: spike-exp (dvae), exp or power"
              + " (dvae-pp, dvae-sharp), uniform-exp or gaussian (dvae-sharp) (default: spike-exp"
              + " for dvae, power otherwise).")
  String smoothing;

  @Option(
      names = "--smoothing-beta",
      description =
          "Sharpness beta of --smoothing, > 0 (default: the original DVAE code's value for the"
              + " structure and objective, e.g. 40 for dvae-sharp power).")
  Double smoothingBeta;

  @Option(
      names = "--pcd-chains",
      description =
          "Persistent chains for the RBM prior's log Z gradient, dvae objectives (default: 100;"
              + " the DVAE# paper used 1000).")
  Integer pcdChains;

  @Option(
      names = "--pcd-sweeps",
      description =
          "Block Gibbs sweeps per training step of every persistent chain, dvae objectives"
              + " (default: 10; the DVAE# paper used 40).")
  Integer pcdSweeps;

  @Option(
      names = "--ais-temperatures",
      description =
          "Linear inverse temperatures of the AIS estimate of log Z at the job's end, dvae"
              + " objectives (default: 1000).")
  Integer aisTemperatures;

  @Option(
      names = "--ais-chains",
      description = "Independent AIS chains of that estimate, dvae objectives (default: 1024).")
  Integer aisChains;

  @Option(
      names = "--k",
      description =
          "Importance samples of iwae, dreg, vimco (>= 2) and rws, refused with the other"
              + " objectives (default: "
              + DEFAULT_K
              + ").")
  Integer k;

  @Option(
      names = "--rws-phi",
      description =
          "Updates of the inference network in rws: wake, sleep or both; refused with the other"
              + " objectives (default: wake).")
  String rwsPhi;

  @Option(
      names = "--beta",
      description = "KL weight; required with --objective beta-vae (no default).")
  Double beta;

  @Option(
      names = "--alpha",
      description =
          "InfoVAE alpha, with --objective info-vae only (default: " + DEFAULT_ALPHA + ").")
  Double alpha;

  @Option(
      names = "--lambda",
      description =
          "InfoVAE lambda, with --objective info-vae only (default: " + DEFAULT_LAMBDA + ").")
  Double lambda;

  @Option(
      names = "--mi",
      description =
          "Weight of the mutual information I(x;z) in lag-vae, or in info-vae stated by its"
              + " constraints: > 0 maximises it, <= 0 minimises it (no default).")
  Double mi;

  @Option(
      names = "--e1",
      description = "Bound on the consistency NLL + KL, nats per example, with --mi (no default).")
  Double e1;

  @Option(
      names = "--e2",
      description = "Bound on 1e4 MMD(q(z), p(z)), >= 0, with --mi (no default).")
  Double e2;

  @Option(
      names = "--multiplier-lr",
      description =
          "RMSProp learning rate of lag-vae's Lagrange multipliers (default: 1e-4, as the LagVAE"
              + " authors' code).")
  Double multiplierLr;

  @Option(
      names = "--epochs",
      defaultValue = "10",
      description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--batch-size",
      defaultValue = "100",
      description = "Minibatch size (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--learning-rate",
      defaultValue = "0.001",
      description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of initialization, noise and binarization (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--validation-k",
      defaultValue = "0",
      description =
          "Importance samples of the final validation bound; 0 lets the trainer choose, 100"
              + " (default: ${DEFAULT-VALUE}).")
  int validationK;

  @Option(
      names = "--detach",
      description =
          "Print the job id and return at once; the job runs on. Without it, Ctrl-C cancels the job.")
  boolean detach;

  @Option(
      names = "--trainer",
      defaultValue = "${env:LATENTSERVE_TRAINER_TARGET:-localhost:50052}",
      description =
          "trainer-service address (env LATENTSERVE_TRAINER_TARGET; default: ${DEFAULT-VALUE}).")
  String trainer;

  @picocli.CommandLine.Mixin ClientSecurityOptions security;

  @Override
  public Integer call() {
    if (model == null) {
      throw new CliException("train needs --model NAME, the name to publish the model under");
    }
    JobSpec jobSpec = jobSpec();
    ManagedChannel channel = ServiceChannels.open("trainer-service", trainer, security.security());
    try {
      TrainerGrpc.TrainerBlockingStub stub = TrainerGrpc.newBlockingStub(channel);
      Job job =
          stub.withDeadlineAfter(30, TimeUnit.SECONDS)
              .submitJob(SubmitJobRequest.newBuilder().setSpec(jobSpec).build())
              .getJob();
      PrintWriter out = spec.commandLine().getOut();
      if (detach) {
        out.println(job.getJobId());
        return 0;
      }
      out.printf("job %s: training %s on %s%n", job.getJobId(), model, dataset);
      try (JobOwnership owned = JobOwnership.cancelOnExit(stub, job.getJobId(), out)) {
        Job last = follow(stub, job.getJobId(), out);
        owned.ended();
        return report(last, out);
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /** Follows a job to its end with a progress bar; returns its last state. */
  static Job follow(TrainerGrpc.TrainerBlockingStub stub, String jobId, PrintWriter out) {
    ProgressBar bar = new ProgressBar(out);
    Iterator<JobEvent> events = stub.watchJob(WatchJobRequest.newBuilder().setJobId(jobId).build());
    Job last = null;
    String label = null;
    long start = System.nanoTime();
    Duration before = null;
    while (events.hasNext()) {
      JobEvent event = events.next();
      last = event.getJob();
      if (before == null) {
        // A job watched mid-run has been running since it was created, not since the watch began.
        before = sinceCreated(last);
      }
      label = phaseLabel(event, last, label);
      bar.update(
          last.getStep(),
          Math.max(1, last.getTotalSteps()),
          label,
          before.plusNanos(System.nanoTime() - start),
          event.hasEta() ? EvalCommand.toJava(event.getEta()) : null,
          String.format(
              Locale.ROOT,
              "loss %s  train bound %s  %.1f steps/s%s",
              nats(event.getLoss()),
              nats(event.getTrainBound()),
              event.getStepsPerSecond(),
              lagrangian(event)));
    }
    bar.finish();
    if (last == null) {
      throw new CliException("the trainer closed the stream of job " + jobId + " without an event");
    }
    return last;
  }

  /**
   * A LagVAE job's multipliers and constraint values, e.g. " lambda1 1.0031 (nll+kl 91.42) lambda2
   * 0.9969 (mmd 0.62)"; empty for the other objectives.
   */
  static String lagrangian(JobEvent event) {
    if (!event.hasLagrangian()) {
      return "";
    }
    var l = event.getLagrangian();
    return String.format(
        Locale.ROOT,
        "  lambda1 %.4f (nll+kl %s)  lambda2 %.4f (mmd %s)",
        l.getConsistencyMultiplier(),
        nats(l.getConsistency()),
        l.getMmdMultiplier(),
        nats(l.getMmd()));
  }

  /** A value in nats with two decimals, or "--" before there is one (NaN). */
  private static String nats(double value) {
    return Double.isNaN(value) ? "--" : String.format(Locale.ROOT, "%.2f", value);
  }

  /** How long a job has existed, by its own clock; zero for a job without a creation time. */
  static Duration sinceCreated(Job job) {
    if (!job.hasCreated() || !job.hasUpdated()) {
      return Duration.ZERO;
    }
    Duration d =
        Duration.ofSeconds(
            job.getUpdated().getSeconds() - job.getCreated().getSeconds(),
            job.getUpdated().getNanos() - job.getCreated().getNanos());
    return d.isNegative() ? Duration.ZERO : d;
  }

  /**
   * The bar's label: the epoch while training, then what the job does after its last step; the last
   * event of an ended job keeps the label before it rather than going back to the epoch.
   */
  static String phaseLabel(JobEvent event, Job job, String previous) {
    return switch (event.getPhase()) {
      case JOB_PHASE_FINAL_BOUNDS -> "final bounds";
      case JOB_PHASE_PUBLISHING -> "publishing";
      default ->
          previous != null && Jobs.ended(job)
              ? previous
              : "epoch " + job.getEpoch() + "/" + job.getSpec().getEpochs();
    };
  }

  static int report(Job job, PrintWriter out) {
    if (job.getState() == JobState.JOB_STATE_SUCCEEDED) {
      var published = job.getPublished();
      out.printf(
          "job %s succeeded: published %s/%d%n",
          job.getJobId(), published.getName(), published.getVersion());
      published
          .getProvenance()
          .getFinalMetricsMap()
          .forEach((name, value) -> out.printf(Locale.ROOT, "  %-28s %10.3f%n", name, value));
      return 0;
    }
    out.printf("job %s ended %s: %s%n", job.getJobId(), Jobs.state(job), job.getReason());
    return 1;
  }

  /**
   * The job this command submits.
   *
   * @throws CliException naming the flag when a value is invalid, or a flag is given that the
   *     chosen preset, likelihood or objective does not use (a flag is never silently ignored)
   */
  JobSpec jobSpec() {
    Likelihood family = enumValue(Likelihood.class, "LIKELIHOOD_", likelihood, "--likelihood");
    if (family == Likelihood.LIKELIHOOD_GAUSSIAN_FIXED && sigma == null) {
      throw new CliException("--likelihood gaussian-fixed needs --sigma S, e.g. --sigma 0.1");
    }
    onlyWith(sigma, "--sigma", "--likelihood gaussian-fixed", likelihood, "gaussian-fixed");
    onlyWith(
        minVariance,
        "--min-variance",
        "--likelihood gaussian-learned",
        likelihood,
        "gaussian-learned");
    if (minVariance != null && !(minVariance > 0 && Double.isFinite(minVariance))) {
      throw new CliException("--min-variance must be a number > 0, got " + minVariance);
    }
    Architecture.Builder architecture =
        Architecture.newBuilder()
            .setActivation(enumValue(Activation.class, "ACTIVATION_", activation, "--activation"))
            .setLikelihood(family)
            .setLikelihoodSigma(sigma == null ? 0 : sigma)
            .setLikelihoodMinVariance(minVariance == null ? 0 : minVariance)
            .setConditional(conditional);
    String presetName = preset.toLowerCase(Locale.ROOT);
    if (!layers.isEmpty() && !presetName.equals("custom")) {
      throw new CliException(
          "--layer needs --preset custom (--preset " + preset + " has its own layers)");
    }
    switch (presetName) {
      case "iwae1" -> architecture.setPreset(Architecture.Preset.PRESET_IWAE_1_LAYER);
      case "iwae2" -> architecture.setPreset(Architecture.Preset.PRESET_IWAE_2_LAYER);
      case "hit-mlp" -> architecture.setPreset(Architecture.Preset.PRESET_HIT_MLP);
      case "dvae-1-layer-lin" ->
          architecture.setPreset(Architecture.Preset.PRESET_DVAE_1_LAYER_LIN);
      case "dvae-1-layer-nonlin" ->
          architecture.setPreset(Architecture.Preset.PRESET_DVAE_1_LAYER_NONLIN);
      case "dvae-2-layer-nonlin", "dvae-4-layer-nonlin" ->
          throw new CliException(
              "--preset "
                  + preset
                  + " is not available yet: the multi-layer DVAE encoder is not implemented;"
                  + " use dvae-1-layer-nonlin or dvae-1-layer-lin");
      case "custom" -> {
        if (layers.isEmpty()) {
          throw new CliException("--preset custom needs at least one --layer LATENT:HIDDEN,...");
        }
        LatentFamily latentFamily =
            enumValue(LatentFamily.class, "LATENT_FAMILY_", latent, "--latent");
        layers.forEach(l -> architecture.addLayers(layer(l).toBuilder().setFamily(latentFamily)));
      }
      default ->
          throw new CliException(
              "--preset must be iwae1, iwae2, hit-mlp, custom, dvae-1-layer-lin or"
                  + " dvae-1-layer-nonlin, got "
                  + preset);
    }
    if (architecture.getLayersCount() == 0 && !latent.equalsIgnoreCase("gaussian")) {
      throw new CliException(
          "--latent needs --preset custom (--preset " + preset + " has gaussian layers)");
    }
    Objective.Builder obj = Objective.newBuilder();
    if (objective == null) {
      objective = presetName.equals("hit-mlp") ? "hit" : "elbo";
    }
    String objectiveName = objective.toLowerCase(Locale.ROOT);
    switch (objectiveName) {
      case "hit" -> {
        if (!presetName.equals("hit-mlp")) {
          throw new CliException(
              "--objective hit needs --preset hit-mlp (top-down inference), got --preset "
                  + preset);
        }
        obj.setHit(
            Objective.Hit.newBuilder()
                .setBetaY(betaY == null ? 1 : betaY)
                .setBetaZ(betaZ == null ? 1 : betaZ)
                .setWarmupEpochs(warmupEpochs == null ? 0 : warmupEpochs));
      }
      case "elbo" -> obj.setElbo(Objective.Elbo.getDefaultInstance());
      case "beta-vae" -> {
        if (beta == null) {
          throw new CliException("--objective beta-vae needs --beta B, e.g. --beta 4");
        }
        obj.setBetaVae(Objective.BetaVae.newBuilder().setBeta(beta));
      }
      case "iwae" -> obj.setIwae(Objective.Iwae.newBuilder().setK(k == null ? DEFAULT_K : k));
      case "dreg" -> obj.setDreg(Objective.Dreg.newBuilder().setK(k == null ? DEFAULT_K : k));
      case "info-vae" -> {
        if (mi != null || e1 != null || e2 != null) {
          if (alpha != null || lambda != null) {
            throw new CliException(
                "--objective info-vae takes --alpha/--lambda or --mi/--e1/--e2, not both");
          }
          obj.setInfoVae(Objective.InfoVae.newBuilder().setConstraints(constraints()));
        } else {
          obj.setInfoVae(
              Objective.InfoVae.newBuilder()
                  .setAlpha(alpha == null ? DEFAULT_ALPHA : alpha)
                  .setLambda(lambda == null ? DEFAULT_LAMBDA : lambda));
        }
      }
      case "lag-vae" -> {
        Objective.Constraints c = constraints();
        Objective.LagVae.Builder lag =
            Objective.LagVae.newBuilder().setMi(c.getMi()).setE1(c.getE1()).setE2(c.getE2());
        if (multiplierLr != null) {
          if (!(multiplierLr > 0) || !Double.isFinite(multiplierLr)) {
            throw new CliException("--multiplier-lr must be a number > 0, got " + multiplierLr);
          }
          lag.setMultiplierOptimizer(
              Objective.MultiplierOptimizer.newBuilder().setLearningRate(multiplierLr));
        }
        obj.setLagVae(lag);
      }
      case "vimco" -> obj.setVimco(Objective.Vimco.newBuilder().setK(k == null ? DEFAULT_K : k));
      case "rws" ->
          obj.setRws(
              Objective.Rws.newBuilder()
                  .setK(k == null ? DEFAULT_K : k)
                  .setPhi(
                      enumValue(
                          RwsPhi.class,
                          "RWS_PHI_",
                          rwsPhi == null ? "wake" : rwsPhi,
                          "--rws-phi")));
      case "dvae", "dvae-pp", "dvae-sharp" -> obj.setDvae(dvae(objectiveName));
      default ->
          throw new CliException(
              "--objective must be elbo, beta-vae, iwae, dreg, info-vae, lag-vae, vimco, rws,"
                  + " hit, dvae, dvae-pp or dvae-sharp, got \""
                  + objective
                  + "\"");
    }
    if (k != null && !SAMPLING_OBJECTIVES.contains(objectiveName)) {
      throw new CliException(
          "--k needs --objective iwae, dreg, vimco, rws, dvae, dvae-pp or dvae-sharp (--objective "
              + objective
              + " draws one sample)");
    }
    onlyWith(rwsPhi, "--rws-phi", "--objective rws", objective, "rws");
    if (!objectiveName.startsWith("dvae")) {
      for (Object[] flag :
          new Object[][] {
            {smoothing, "--smoothing"},
            {smoothingBeta, "--smoothing-beta"},
            {pcdChains, "--pcd-chains"},
            {pcdSweeps, "--pcd-sweeps"},
            {aisTemperatures, "--ais-temperatures"},
            {aisChains, "--ais-chains"}
          }) {
        onlyWith(
            flag[0],
            (String) flag[1],
            "--objective dvae, dvae-pp or dvae-sharp",
            objective,
            "dvae");
      }
    }
    onlyWith(beta, "--beta", "--objective beta-vae", objective, "beta-vae");
    onlyWith(betaY, "--beta-y", "--objective hit", objective, "hit");
    onlyWith(betaZ, "--beta-z", "--objective hit", objective, "hit");
    onlyWith(warmupEpochs, "--warmup-epochs", "--objective hit", objective, "hit");
    onlyWith(alpha, "--alpha", "--objective info-vae", objective, "info-vae");
    onlyWith(lambda, "--lambda", "--objective info-vae", objective, "info-vae");
    onlyWith(multiplierLr, "--multiplier-lr", "--objective lag-vae", objective, "lag-vae");
    if (!objectiveName.equals("lag-vae") && !objectiveName.equals("info-vae")) {
      onlyWith(mi, "--mi", "--objective lag-vae or info-vae", objective, "lag-vae");
      onlyWith(e1, "--e1", "--objective lag-vae or info-vae", objective, "lag-vae");
      onlyWith(e2, "--e2", "--objective lag-vae or info-vae", objective, "lag-vae");
    }
    return JobSpec.newBuilder()
        .setModelName(model)
        .setDataset(dataset)
        .setArchitecture(architecture)
        .setObjective(obj)
        .setOptimizer(Optimizer.newBuilder().setLearningRate(learningRate).setBatchSize(batchSize))
        .setEpochs(epochs)
        .setSeed(seed)
        .setValidationK(validationK)
        .build();
  }

  /** The DVAE family's objective from its flags; the trainer validates the values. */
  private Objective.Dvae dvae(String name) {
    if (architecture().isEmpty()) {
      throw new CliException(
          "--objective " + name + " needs --preset dvae-1-layer-lin or dvae-1-layer-nonlin");
    }
    Objective.Dvae.Builder d =
        Objective.Dvae.newBuilder()
            .setVariant(
                switch (name) {
                  case "dvae" -> Objective.Dvae.Variant.VARIANT_DVAE;
                  case "dvae-pp" -> Objective.Dvae.Variant.VARIANT_DVAE_PP;
                  default -> Objective.Dvae.Variant.VARIANT_DVAE_SHARP;
                })
            .setK(k == null ? 1 : k);
    if (smoothing != null) {
      d.setSmoothing(
          enumValue(Objective.Dvae.Smoothing.class, "SMOOTHING_", smoothing, "--smoothing"));
    }
    if (smoothingBeta != null) {
      if (!(smoothingBeta > 0) || !Double.isFinite(smoothingBeta)) {
        throw new CliException("--smoothing-beta must be a number > 0, got " + smoothingBeta);
      }
      d.setBeta(smoothingBeta);
    }
    d.setPcdChains(positive(pcdChains, "--pcd-chains"));
    d.setPcdSweeps(positive(pcdSweeps, "--pcd-sweeps"));
    d.setAisTemperatures(positive(aisTemperatures, "--ais-temperatures"));
    d.setAisChains(positive(aisChains, "--ais-chains"));
    return d.build();
  }

  /** The preset when it is a dvae one, else empty. */
  private java.util.Optional<String> architecture() {
    String p = preset.toLowerCase(Locale.ROOT);
    return p.startsWith("dvae-") ? java.util.Optional.of(p) : java.util.Optional.empty();
  }

  /** A flag's value, > 0, or 0 (the trainer's default) when absent. */
  private static int positive(Integer value, String flag) {
    if (value == null) {
      return 0;
    }
    if (value <= 0) {
      throw new CliException(flag + " must be > 0, got " + value);
    }
    return value;
  }

  /** --mi, --e1 and --e2, all three required; the trainer validates their values. */
  private Objective.Constraints constraints() {
    if (mi == null || e1 == null || e2 == null) {
      throw new CliException(
          "--objective "
              + objective
              + " with constraints needs --mi, --e1 and --e2, e.g. --mi 1 --e1 90 --e2 1");
    }
    return Objective.Constraints.newBuilder().setMi(mi).setE1(e1).setE2(e2).build();
  }

  private static StochasticLayerSpec layer(String text) {
    String[] parts = text.split(":", -1);
    try {
      StochasticLayerSpec.Builder b =
          StochasticLayerSpec.newBuilder().setLatentDim(Integer.parseInt(parts[0].trim()));
      if (parts.length == 2 && !parts[1].isBlank()) {
        Arrays.stream(parts[1].split(","))
            .map(String::trim)
            .mapToInt(Integer::parseInt)
            .forEach(b::addHidden);
      } else if (parts.length > 2) {
        throw new NumberFormatException();
      }
      return b.build();
    } catch (NumberFormatException e) {
      throw new CliException(
          "--layer must be LATENT:HIDDEN,HIDDEN..., e.g. 20:64,64; got \"" + text + "\"");
    }
  }

  /** Refuses {@code flag} when given without the choice that uses it. */
  private static void onlyWith(
      Object value, String flag, String needs, String chosen, String expected) {
    if (value != null && !chosen.equalsIgnoreCase(expected)) {
      String option = needs.substring(0, needs.indexOf(' '));
      throw new CliException(
          flag + " needs " + needs + " (" + option + " " + chosen + " does not use it)");
    }
  }

  private static <E extends Enum<E>> E enumValue(
      Class<E> type, String prefix, String text, String flag) {
    String name = prefix + text.toUpperCase(Locale.ROOT).replace('-', '_');
    try {
      E value = Enum.valueOf(type, name);
      if (!name.endsWith("_UNSPECIFIED") && !name.endsWith("_UNRECOGNIZED")) {
        return value;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new CliException(flag + " does not accept \"" + text + "\"");
  }
}
