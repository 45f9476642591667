package io.latentserve.trainer.grpc;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.latentserve.bundle.Manifest;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.proto.v1.Activation;
import io.latentserve.proto.v1.Architecture;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobPhase;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.Lagrangian;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.Optimizer;
import io.latentserve.proto.v1.RwsPhi;
import io.latentserve.proto.v1.StochasticLayerSpec;
import io.latentserve.trainer.core.DatasetSource;
import io.latentserve.trainer.core.InvalidSpecException;
import io.latentserve.trainer.core.PublishedModel;
import io.latentserve.trainer.core.TrainingProgress;
import io.latentserve.trainer.core.TrainingSpec;
import io.latentserve.trainer.core.dvae.Smoothing;
import io.latentserve.trainer.core.dvae.SmoothingKind;
import io.latentserve.wire.LatentDistributions;
import io.latentserve.wire.ModelInfos;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** {@code latentserve.v1} trainer messages to core values and back. */
final class ProtoMapping {
  /** Importance samples of the validation bound when a spec leaves {@code validation_k} at 0. */
  static final int DEFAULT_VALIDATION_K = 100;

  /**
   * The variance floor of a learned-variance Gaussian likelihood when a spec leaves {@code
   * likelihood_min_variance} at 0: a standard deviation of about 0.03 on [0, 1] intensities.
   */
  static final double DEFAULT_MIN_VARIANCE = 1e-3;

  private ProtoMapping() {}

  /**
   * The core spec of a request's spec.
   *
   * @param inputDim features per example of the spec's data set (the architecture's input size)
   * @throws InvalidSpecException naming the first invalid field
   */
  static TrainingSpec trainingSpec(JobSpec spec, DatasetSource.Shape data) {
    VaeArchitecture architecture = architecture(spec.getArchitecture(), data);
    io.latentserve.trainer.core.Objective objective = objective(spec);
    int validationK = spec.getValidationK() == 0 ? DEFAULT_VALIDATION_K : spec.getValidationK();
    return new TrainingSpec(
        spec.getModelName(),
        spec.getDataset(),
        architecture,
        objective,
        spec.getOptimizer().getLearningRate(),
        spec.getOptimizer().getBatchSize(),
        spec.getEpochs(),
        spec.getSeed(),
        validationK);
  }

  /**
   * The architecture of a spec for data of {@code data}'s shape; a conditional one conditions on
   * the one-hot label, so its condition size is the data set's number of classes.
   */
  static VaeArchitecture architecture(Architecture a, DatasetSource.Shape data) {
    int inputDim = data.dimension();
    if (a.getConditional() && data.classes() < 2) {
      throw new InvalidSpecException(
          "spec.architecture.conditional",
          "spec.architecture.conditional needs a labelled dataset with at least 2 classes, got "
              + data.classes());
    }
    int conditionDim = a.getConditional() ? data.classes() : 0;
    io.latentserve.model.Activation activation =
        switch (a.getActivation()) {
          case ACTIVATION_UNSPECIFIED, ACTIVATION_TANH -> io.latentserve.model.Activation.TANH;
          case ACTIVATION_RELU -> io.latentserve.model.Activation.RELU;
          default ->
              throw new InvalidSpecException(
                  "spec.architecture.activation",
                  "spec.architecture.activation " + a.getActivationValue() + " is unknown");
        };
    io.latentserve.model.LikelihoodFamily likelihood =
        switch (a.getLikelihood()) {
          case LIKELIHOOD_UNSPECIFIED, LIKELIHOOD_BERNOULLI ->
              io.latentserve.model.LikelihoodFamily.BERNOULLI;
          case LIKELIHOOD_GAUSSIAN_FIXED -> io.latentserve.model.LikelihoodFamily.GAUSSIAN_FIXED;
          case LIKELIHOOD_GAUSSIAN_LEARNED ->
              io.latentserve.model.LikelihoodFamily.GAUSSIAN_LEARNED;
          default ->
              throw new InvalidSpecException(
                  "spec.architecture.likelihood",
                  "spec.architecture.likelihood " + a.getLikelihoodValue() + " is unknown");
        };
    List<StochasticLayer> layers = new ArrayList<>();
    io.latentserve.model.InferenceStructure inference = inferenceStructure(a);
    switch (a.getPreset()) {
      case PRESET_IWAE_1_LAYER, PRESET_IWAE_2_LAYER -> {
        requireNoLayers(a);
        VaeArchitecture preset =
            a.getPreset() == Architecture.Preset.PRESET_IWAE_1_LAYER
                ? VaeArchitecture.iwaeOneLayer()
                : VaeArchitecture.iwaeTwoLayer();
        layers.addAll(preset.layers());
      }
      case PRESET_HIT_MLP -> {
        requireNoLayers(a);
        if (a.getConditional()) {
          // its bottom layer is named y, the name of the condition in the training graph
          throw new InvalidSpecException(
              "spec.architecture.conditional",
              "spec.architecture.conditional is not available with PRESET_HIT_MLP; give the two"
                  + " layers with inference_structure TOP_DOWN instead");
        }
        layers.addAll(
            VaeArchitecture.hitMlp(
                    inputDim, io.latentserve.model.LikelihoodFamily.GAUSSIAN_FIXED, 1)
                .layers());
        inference = io.latentserve.model.InferenceStructure.TOP_DOWN;
      }
      case PRESET_DVAE_1_LAYER_LIN, PRESET_DVAE_1_LAYER_NONLIN -> {
        requireNoLayers(a);
        layers.add(
            new StochasticLayer(
                "z1",
                200,
                a.getPreset() == Architecture.Preset.PRESET_DVAE_1_LAYER_LIN
                    ? List.of()
                    : List.of(200, 200),
                io.latentserve.model.LatentFamily.BERNOULLI));
      }
      case PRESET_UNSPECIFIED -> {
        if (a.getLayersCount() == 0) {
          throw new InvalidSpecException(
              "spec.architecture",
              "spec.architecture needs a preset or at least one entry in layers, got neither");
        }
        for (int l = 0; l < a.getLayersCount(); l++) {
          StochasticLayerSpec s = a.getLayers(l);
          String field = "spec.architecture.layers[" + l + "]";
          if (s.getLatentDim() <= 0) {
            throw new InvalidSpecException(
                field + ".latent_dim", field + ".latent_dim must be > 0, got " + s.getLatentDim());
          }
          for (int h = 0; h < s.getHiddenCount(); h++) {
            if (s.getHidden(h) <= 0) {
              throw new InvalidSpecException(
                  field + ".hidden",
                  field + ".hidden[" + h + "] must be > 0, got " + s.getHidden(h));
            }
          }
          layers.add(
              new StochasticLayer(
                  "z" + (l + 1), s.getLatentDim(), s.getHiddenList(), family(s, field)));
        }
      }
      default ->
          throw new InvalidSpecException(
              "spec.architecture.preset",
              "spec.architecture.preset " + a.getPresetValue() + " is unknown");
    }
    double sigma = a.getLikelihoodSigma();
    if (likelihood == io.latentserve.model.LikelihoodFamily.GAUSSIAN_FIXED) {
      if (!(sigma > 0) || !Double.isFinite(sigma)) {
        throw new InvalidSpecException(
            "spec.architecture.likelihood_sigma",
            "spec.architecture.likelihood_sigma must be > 0 for LIKELIHOOD_GAUSSIAN_FIXED, got "
                + sigma);
      }
    } else if (sigma != 0) {
      throw new InvalidSpecException(
          "spec.architecture.likelihood_sigma",
          "spec.architecture.likelihood_sigma is only for LIKELIHOOD_GAUSSIAN_FIXED, got "
              + sigma
              + " with "
              + likelihood);
    }
    VaeArchitecture architecture =
        new VaeArchitecture(inputDim, layers, activation, likelihood, sigma, conditionDim)
            .withLikelihoodMinVariance(minVariance(a, likelihood))
            .withInference(inference)
            .withInputShape(data.exampleShape());
    boolean dvaePreset =
        a.getPreset() == Architecture.Preset.PRESET_DVAE_1_LAYER_LIN
            || a.getPreset() == Architecture.Preset.PRESET_DVAE_1_LAYER_NONLIN;
    if (dvaePreset || a.getRbmPrior()) {
      try {
        architecture = architecture.withPrior(io.latentserve.model.Prior.RBM);
      } catch (IllegalArgumentException e) {
        throw new InvalidSpecException("spec.architecture.rbm_prior", e.getMessage());
      }
    }
    return architecture;
  }

  /** The spec's inference structure; unspecified is the bottom-up chain. */
  static io.latentserve.model.InferenceStructure inferenceStructure(Architecture a) {
    try {
      return LatentDistributions.fromApi(a.getInferenceStructure());
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException(
          "spec.architecture.inference_structure",
          "spec.architecture.inference_structure "
              + a.getInferenceStructureValue()
              + " is unknown");
    }
  }

  /**
   * The variance floor of a learned-variance Gaussian likelihood: the request's, or {@link
   * #DEFAULT_MIN_VARIANCE} when it leaves the field at 0; 0 (none) for the other likelihoods, which
   * must leave it unset.
   */
  static double minVariance(Architecture a, io.latentserve.model.LikelihoodFamily likelihood) {
    double v = a.getLikelihoodMinVariance();
    String field = "spec.architecture.likelihood_min_variance";
    if (likelihood != io.latentserve.model.LikelihoodFamily.GAUSSIAN_LEARNED) {
      if (v != 0) {
        throw new InvalidSpecException(
            field,
            field + " is only for LIKELIHOOD_GAUSSIAN_LEARNED, got " + v + " with " + likelihood);
      }
      return 0;
    }
    if (v == 0) {
      return DEFAULT_MIN_VARIANCE;
    }
    if (!(v > 0) || !Double.isFinite(v)) {
      throw new InvalidSpecException(
          field, field + " must be a finite number > 0 (0 for the default), got " + v);
    }
    return v;
  }

  static io.latentserve.model.LatentFamily family(StochasticLayerSpec s, String field) {
    return switch (s.getFamily()) {
      case LATENT_FAMILY_UNSPECIFIED, LATENT_FAMILY_GAUSSIAN ->
          io.latentserve.model.LatentFamily.GAUSSIAN;
      case LATENT_FAMILY_BERNOULLI -> io.latentserve.model.LatentFamily.BERNOULLI;
      default ->
          throw new InvalidSpecException(
              field + ".family", field + ".family " + s.getFamilyValue() + " is unknown");
    };
  }

  /**
   * The DVAE family's objective; zeros take the defaults the proto documents, beta the original
   * code's value for the structure (linear or not) and objective.
   */
  static io.latentserve.trainer.core.Objective dvae(Objective.Dvae d, Architecture a) {
    String field = "spec.objective.dvae";
    io.latentserve.trainer.core.Objective.DvaeVariant variant =
        switch (d.getVariant()) {
          case VARIANT_DVAE -> io.latentserve.trainer.core.Objective.DvaeVariant.DVAE;
          case VARIANT_DVAE_PP -> io.latentserve.trainer.core.Objective.DvaeVariant.DVAE_PP;
          case VARIANT_DVAE_SHARP -> io.latentserve.trainer.core.Objective.DvaeVariant.DVAE_SHARP;
          default ->
              throw new InvalidSpecException(
                  field + ".variant",
                  field
                      + ".variant must be VARIANT_DVAE, VARIANT_DVAE_PP or VARIANT_DVAE_SHARP, got "
                      + d.getVariant());
        };
    SmoothingKind smoothing =
        switch (d.getSmoothing()) {
          case SMOOTHING_UNSPECIFIED ->
              variant == io.latentserve.trainer.core.Objective.DvaeVariant.DVAE
                  ? SmoothingKind.SPIKE_EXP
                  : SmoothingKind.POWER;
          case SMOOTHING_SPIKE_EXP -> SmoothingKind.SPIKE_EXP;
          case SMOOTHING_EXP -> SmoothingKind.EXP;
          case SMOOTHING_POWER -> SmoothingKind.POWER;
          case SMOOTHING_UNIFORM_EXP -> SmoothingKind.UNIFORM_EXP;
          case SMOOTHING_GAUSSIAN -> SmoothingKind.GAUSSIAN;
          default ->
              throw new InvalidSpecException(
                  field + ".smoothing",
                  field + ".smoothing " + d.getSmoothingValue() + " is unknown");
        };
    double beta = d.getBeta();
    if (beta == 0) {
      boolean linear =
          a.getPreset() == Architecture.Preset.PRESET_DVAE_1_LAYER_LIN
              || (a.getLayersCount() > 0 && a.getLayers(0).getHiddenCount() == 0);
      beta =
          smoothing.defaultBeta(
              variant.importanceWeighted(), linear, Math.max(1, a.getLayersCount()));
    }
    double b = beta;
    Smoothing s = field(field + ".beta", () -> Smoothing.of(smoothing, b));
    int k = d.getK() == 0 ? 1 : d.getK();
    io.latentserve.trainer.core.Objective.Pcd pcd =
        field(
            field + ".pcd",
            () ->
                new io.latentserve.trainer.core.Objective.Pcd(
                    d.getPcdChains() == 0
                        ? io.latentserve.trainer.core.Objective.Pcd.DEFAULT.chains()
                        : d.getPcdChains(),
                    d.getPcdSweeps() == 0
                        ? io.latentserve.trainer.core.Objective.Pcd.DEFAULT.sweeps()
                        : d.getPcdSweeps()));
    io.latentserve.trainer.core.Objective.Ais ais =
        field(
            field + ".ais",
            () ->
                new io.latentserve.trainer.core.Objective.Ais(
                    d.getAisTemperatures() == 0
                        ? io.latentserve.trainer.core.Objective.Ais.DEFAULT.temperatures()
                        : d.getAisTemperatures(),
                    d.getAisChains() == 0
                        ? io.latentserve.trainer.core.Objective.Ais.DEFAULT.chains()
                        : d.getAisChains()));
    return field(
        field, () -> new io.latentserve.trainer.core.Objective.Dvae(variant, s, k, pcd, ais));
  }

  /** The request form of a DVAE-family objective, every field explicit. */
  static Objective.Dvae dvae(io.latentserve.trainer.core.Objective.Dvae d) {
    return Objective.Dvae.newBuilder()
        .setVariant(
            switch (d.variant()) {
              case DVAE -> Objective.Dvae.Variant.VARIANT_DVAE;
              case DVAE_PP -> Objective.Dvae.Variant.VARIANT_DVAE_PP;
              case DVAE_SHARP -> Objective.Dvae.Variant.VARIANT_DVAE_SHARP;
            })
        .setSmoothing(
            switch (d.smoothing().kind()) {
              case SPIKE_EXP -> Objective.Dvae.Smoothing.SMOOTHING_SPIKE_EXP;
              case EXP -> Objective.Dvae.Smoothing.SMOOTHING_EXP;
              case POWER -> Objective.Dvae.Smoothing.SMOOTHING_POWER;
              case UNIFORM_EXP -> Objective.Dvae.Smoothing.SMOOTHING_UNIFORM_EXP;
              case GAUSSIAN -> Objective.Dvae.Smoothing.SMOOTHING_GAUSSIAN;
            })
        .setBeta(d.smoothing().beta())
        .setK(d.k())
        .setPcdChains(d.pcd().chains())
        .setPcdSweeps(d.pcd().sweeps())
        .setAisTemperatures(d.ais().temperatures())
        .setAisChains(d.ais().chains())
        .build();
  }

  static LatentFamily family(io.latentserve.model.LatentFamily family) {
    return family == io.latentserve.model.LatentFamily.BERNOULLI
        ? LatentFamily.LATENT_FAMILY_BERNOULLI
        : LatentFamily.LATENT_FAMILY_GAUSSIAN;
  }

  static io.latentserve.trainer.core.Objective objective(JobSpec spec) {
    Objective o = spec.getObjective();
    return switch (o.getKindCase()) {
      case ELBO -> new io.latentserve.trainer.core.Objective.Elbo();
      case BETA_VAE ->
          field(
              "spec.objective.beta_vae.beta",
              () -> new io.latentserve.trainer.core.Objective.BetaVae(o.getBetaVae().getBeta()));
      case IWAE ->
          field(
              "spec.objective.iwae.k",
              () -> new io.latentserve.trainer.core.Objective.Iwae(o.getIwae().getK()));
      case DREG ->
          field(
              "spec.objective.dreg.k",
              () -> new io.latentserve.trainer.core.Objective.Dreg(o.getDreg().getK()));
      case INFO_VAE -> infoVae(o.getInfoVae());
      case LAG_VAE -> lagVae(o.getLagVae());
      case HIT ->
          field(
              "spec.objective.hit",
              () ->
                  new io.latentserve.trainer.core.Objective.Hit(
                      o.getHit().getBetaY(), o.getHit().getBetaZ(), o.getHit().getWarmupEpochs()));
      case VIMCO ->
          field(
              "spec.objective.vimco.k",
              () -> new io.latentserve.trainer.core.Objective.Vimco(o.getVimco().getK()));
      case RWS ->
          field(
              "spec.objective.rws",
              () ->
                  new io.latentserve.trainer.core.Objective.Rws(
                      o.getRws().getK(), rwsPhi(o.getRws())));
      case DVAE -> dvae(o.getDvae(), spec.getArchitecture());
      case KIND_NOT_SET ->
          throw new InvalidSpecException(
              "spec.objective",
              "spec.objective is required: one of elbo, beta_vae, iwae, dreg, info_vae, lag_vae,"
                  + " vimco, rws, hit, dvae");
    };
  }

  private static io.latentserve.trainer.core.Objective.InfoVae infoVae(Objective.InfoVae info) {
    String field = "spec.objective.info_vae";
    if (!info.hasConstraints()) {
      return field(
          field,
          () ->
              new io.latentserve.trainer.core.Objective.InfoVae(info.getAlpha(), info.getLambda()));
    }
    if (info.getAlpha() != 0 || info.getLambda() != 0) {
      throw new InvalidSpecException(
          field,
          field
              + ": give either alpha and lambda or constraints, got alpha "
              + info.getAlpha()
              + ", lambda "
              + info.getLambda()
              + " and constraints");
    }
    Objective.Constraints c = info.getConstraints();
    return field(
        field + ".constraints",
        () ->
            io.latentserve.trainer.core.Objective.InfoVae.of(
                new io.latentserve.trainer.core.Objective.Constraints(
                    c.getMi(), c.getE1(), c.getE2())));
  }

  private static io.latentserve.trainer.core.Objective.LagVae lagVae(Objective.LagVae lag) {
    io.latentserve.trainer.core.Objective.Constraints constraints =
        field(
            "spec.objective.lag_vae",
            () ->
                new io.latentserve.trainer.core.Objective.Constraints(
                    lag.getMi(), lag.getE1(), lag.getE2()));
    Objective.MultiplierOptimizer m = lag.getMultiplierOptimizer();
    io.latentserve.trainer.core.Objective.DualOptimizer defaults =
        io.latentserve.trainer.core.Objective.DualOptimizer.DEFAULT;
    io.latentserve.trainer.core.Objective.DualOptimizer dual =
        field(
            "spec.objective.lag_vae.multiplier_optimizer",
            () ->
                new io.latentserve.trainer.core.Objective.DualOptimizer(
                    orDefault(m.getLearningRate(), defaults.learningRate()),
                    orDefault(m.getDecay(), defaults.decay()),
                    orDefault(m.getEpsilon(), defaults.epsilon())));
    return new io.latentserve.trainer.core.Objective.LagVae(constraints, dual);
  }

  /** An unset proto3 double (0) as the default. */
  private static double orDefault(double value, double fallback) {
    return value == 0 ? fallback : value;
  }

  private static Objective.Constraints constraints(
      io.latentserve.trainer.core.Objective.Constraints c) {
    return Objective.Constraints.newBuilder().setMi(c.mi()).setE1(c.e1()).setE2(c.e2()).build();
  }

  private static io.latentserve.trainer.core.Objective.RwsPhi rwsPhi(Objective.Rws rws) {
    return switch (rws.getPhi()) {
      case RWS_PHI_UNSPECIFIED, RWS_PHI_WAKE -> io.latentserve.trainer.core.Objective.RwsPhi.WAKE;
      case RWS_PHI_SLEEP -> io.latentserve.trainer.core.Objective.RwsPhi.SLEEP;
      case RWS_PHI_BOTH -> io.latentserve.trainer.core.Objective.RwsPhi.BOTH;
      default ->
          throw new InvalidSpecException(
              "spec.objective.rws.phi",
              "spec.objective.rws.phi " + rws.getPhiValue() + " is unknown");
    };
  }

  private static RwsPhi rwsPhi(io.latentserve.trainer.core.Objective.RwsPhi phi) {
    return switch (phi) {
      case WAKE -> RwsPhi.RWS_PHI_WAKE;
      case SLEEP -> RwsPhi.RWS_PHI_SLEEP;
      case BOTH -> RwsPhi.RWS_PHI_BOTH;
    };
  }

  private static <T> T field(String field, Supplier<T> build) {
    try {
      return build.get();
    } catch (InvalidSpecException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException(field, field + ": " + e.getMessage());
    }
  }

  /** The request form of a core spec: explicit layers, no preset. */
  static JobSpec jobSpec(TrainingSpec spec) {
    VaeArchitecture a = spec.architecture();
    Architecture.Builder arch =
        Architecture.newBuilder()
            .setActivation(
                a.activation() == io.latentserve.model.Activation.RELU
                    ? Activation.ACTIVATION_RELU
                    : Activation.ACTIVATION_TANH)
            .setLikelihood(ModelInfos.likelihood(a))
            .setLikelihoodSigma(a.likelihoodSigma())
            .setLikelihoodMinVariance(a.likelihoodMinVariance())
            .setConditional(a.conditional())
            .setInferenceStructure(LatentDistributions.toApi(a.inference()))
            .setRbmPrior(a.prior() == io.latentserve.model.Prior.RBM);
    for (StochasticLayer layer : a.layers()) {
      arch.addLayers(
          StochasticLayerSpec.newBuilder()
              .setLatentDim(layer.latentDim())
              .addAllHidden(layer.hidden())
              .setFamily(family(layer.family())));
    }
    Objective.Builder objective = Objective.newBuilder();
    io.latentserve.trainer.core.Objective o = spec.objective();
    if (o instanceof io.latentserve.trainer.core.Objective.BetaVae b) {
      objective.setBetaVae(Objective.BetaVae.newBuilder().setBeta(b.beta()));
    } else if (o instanceof io.latentserve.trainer.core.Objective.Hit h) {
      objective.setHit(
          Objective.Hit.newBuilder()
              .setBetaY(h.betaY())
              .setBetaZ(h.betaZ())
              .setWarmupEpochs(h.warmupEpochs()));
    } else if (o instanceof io.latentserve.trainer.core.Objective.Iwae i) {
      objective.setIwae(Objective.Iwae.newBuilder().setK(i.k()));
    } else if (o instanceof io.latentserve.trainer.core.Objective.Dreg d) {
      objective.setDreg(Objective.Dreg.newBuilder().setK(d.k()));
    } else if (o instanceof io.latentserve.trainer.core.Objective.InfoVae info) {
      objective.setInfoVae(
          info.constraints() != null
              ? Objective.InfoVae.newBuilder().setConstraints(constraints(info.constraints()))
              : Objective.InfoVae.newBuilder().setAlpha(info.alpha()).setLambda(info.lambda()));
    } else if (o instanceof io.latentserve.trainer.core.Objective.LagVae lag) {
      io.latentserve.trainer.core.Objective.DualOptimizer d = lag.dualOptimizer();
      objective.setLagVae(
          Objective.LagVae.newBuilder()
              .setMi(lag.constraints().mi())
              .setE1(lag.constraints().e1())
              .setE2(lag.constraints().e2())
              .setMultiplierOptimizer(
                  Objective.MultiplierOptimizer.newBuilder()
                      .setLearningRate(d.learningRate())
                      .setDecay(d.decay())
                      .setEpsilon(d.epsilon())));
    } else if (o instanceof io.latentserve.trainer.core.Objective.Vimco v) {
      objective.setVimco(Objective.Vimco.newBuilder().setK(v.k()));
    } else if (o instanceof io.latentserve.trainer.core.Objective.Rws r) {
      objective.setRws(Objective.Rws.newBuilder().setK(r.k()).setPhi(rwsPhi(r.phi())));
    } else if (o instanceof io.latentserve.trainer.core.Objective.Dvae dvae) {
      objective.setDvae(dvae(dvae));
    } else {
      objective.setElbo(Objective.Elbo.getDefaultInstance());
    }
    return JobSpec.newBuilder()
        .setModelName(spec.modelName())
        .setDataset(spec.dataset())
        .setArchitecture(arch)
        .setObjective(objective)
        .setOptimizer(
            Optimizer.newBuilder()
                .setLearningRate(spec.learningRate())
                .setBatchSize(spec.batchSize()))
        .setEpochs(spec.epochs())
        .setSeed(spec.seed())
        .setValidationK(spec.validationK())
        .build();
  }

  static Job job(io.latentserve.trainer.core.Job job) {
    Job.Builder b =
        Job.newBuilder()
            .setJobId(job.id())
            .setSpec(jobSpec(job.spec()))
            .setState(state(job.state()))
            .setReason(job.reason())
            .setEpoch(job.epoch())
            .setStep(job.step())
            .setTotalSteps(job.totalSteps())
            .setCreated(timestamp(job.created()))
            .setUpdated(timestamp(job.updated()));
    if (job.sweep() != null) {
      b.setSweepId(job.sweep().sweepId()).setSweepIndex(job.sweep().index());
    }
    if (job.published() != null) {
      b.setPublished(modelInfo(job.published()));
    }
    return b.build();
  }

  static JobEvent event(io.latentserve.trainer.core.Job job) {
    JobEvent.Builder b = JobEvent.newBuilder().setJob(job(job));
    TrainingProgress p = job.progress();
    boolean running = job.state() == io.latentserve.trainer.core.JobState.RUNNING;
    if (p == null) {
      // Running before its first progress report: loading the data and building the model.
      if (running) {
        b.setPhase(JobPhase.JOB_PHASE_TRAINING);
      }
      return b.setLoss(Double.NaN).setTrainBound(Double.NaN).setValidationBound(Double.NaN).build();
    }
    b.setLoss(p.loss())
        .setTrainBound(p.trainBound())
        .setValidationBound(p.validationBound())
        .setStepsPerSecond(p.stepsPerSecond());
    if (running) {
      b.setPhase(phase(p.phase()));
    }
    if (p.lagrangian() != null) {
      io.latentserve.trainer.core.Lagrangian l = p.lagrangian();
      b.setLagrangian(
          Lagrangian.newBuilder()
              .setConsistencyMultiplier(l.consistencyMultiplier())
              .setMmdMultiplier(l.mmdMultiplier())
              .setConsistency(l.consistency())
              .setMmd(l.mmd()));
    }
    if (p.eta() != null) {
      b.setEta(Duration.newBuilder().setSeconds(p.eta().getSeconds()).setNanos(p.eta().getNano()));
    }
    return b.build();
  }

  static JobPhase phase(TrainingProgress.Phase phase) {
    return switch (phase) {
      case TRAINING -> JobPhase.JOB_PHASE_TRAINING;
      case EVALUATING -> JobPhase.JOB_PHASE_FINAL_BOUNDS;
      case PUBLISHING -> JobPhase.JOB_PHASE_PUBLISHING;
    };
  }

  static JobState state(io.latentserve.trainer.core.JobState state) {
    return switch (state) {
      case QUEUED -> JobState.JOB_STATE_QUEUED;
      case RUNNING -> JobState.JOB_STATE_RUNNING;
      case SUCCEEDED -> JobState.JOB_STATE_SUCCEEDED;
      case FAILED -> JobState.JOB_STATE_FAILED;
      case CANCELLED -> JobState.JOB_STATE_CANCELLED;
    };
  }

  static ModelInfo modelInfo(PublishedModel published) {
    Manifest manifest = published.manifest();
    return ModelInfos.describe(
            published.name(),
            published.version(),
            manifest.architecture(),
            manifest.provenance(),
            published.manifestSha256())
        .build();
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  /** A preset names its layers: the spec may not list any. */
  private static void requireNoLayers(Architecture a) {
    if (a.getLayersCount() > 0) {
      throw new InvalidSpecException(
          "spec.architecture.layers",
          "spec.architecture.layers must be empty when a preset is set, got "
              + a.getLayersCount()
              + " layers and "
              + a.getPreset());
    }
  }
}
