package io.latentserve.trainer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Manifest;
import io.latentserve.proto.v1.Architecture;
import io.latentserve.proto.v1.CancelJobRequest;
import io.latentserve.proto.v1.GetJobRequest;
import io.latentserve.proto.v1.InferenceStructure;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobPhase;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.ListJobsRequest;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.Optimizer;
import io.latentserve.proto.v1.RwsPhi;
import io.latentserve.proto.v1.StochasticLayerSpec;
import io.latentserve.proto.v1.SubmitJobRequest;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.proto.v1.WatchJobRequest;
import io.latentserve.trainer.core.InMemoryDatasets;
import io.latentserve.trainer.core.TrainingLoopTest;
import io.latentserve.trainer.samediff.SameDiffBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Trainer service in process: the real job manager, SameDiff backend and repository. */
class TrainerServerTest {
  @TempDir Path dir;
  private final List<TrainerServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private TrainerServer server;
  private TrainerGrpc.TrainerBlockingStub trainer;

  @BeforeEach
  void setUp() throws IOException {
    server = startServer(c -> c);
    trainer = TrainerGrpc.newBlockingStub(channel(server)).withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  private TrainerServer startServer(UnaryOperator<TrainerConfig.Builder> configure)
      throws IOException {
    TrainerConfig config =
        configure
            .apply(
                TrainerConfig.builder()
                    .metricsPort(0)
                    .modelRepository(dir.resolve("models"))
                    .dataDir(dir.resolve("data"))
                    .maxStepSamples(1000)
                    .maxQueuedJobs(4)
                    .checkpointInterval(Duration.ZERO)
                    .progressInterval(Duration.ZERO)
                    .shutdownGrace(Duration.ofSeconds(5)))
            .build();
    String name = InProcessServerBuilder.generateName();
    TrainerServer s =
        new TrainerServer(
                config,
                InProcessServerBuilder.forName(name),
                new InMemoryDatasets(Map.of("tiny", TrainingLoopTest.tinyData())),
                new SameDiffBackend())
            .start();
    servers.add(s);
    channelNames.put(s, name);
    return s;
  }

  private final Map<TrainerServer, String> channelNames = new java.util.HashMap<>();

  private ManagedChannel channel(TrainerServer s) {
    ManagedChannel c = InProcessChannelBuilder.forName(channelNames.get(s)).build();
    channels.add(c);
    return c;
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    servers.forEach(TrainerServer::shutdown);
  }

  private static JobSpec.Builder spec(String model, int epochs) {
    return JobSpec.newBuilder()
        .setModelName(model)
        .setDataset("tiny")
        .setArchitecture(
            Architecture.newBuilder()
                .addLayers(StochasticLayerSpec.newBuilder().setLatentDim(2).addHidden(8)))
        .setObjective(Objective.newBuilder().setIwae(Objective.Iwae.newBuilder().setK(2)))
        .setOptimizer(Optimizer.newBuilder().setLearningRate(0.02).setBatchSize(8))
        .setEpochs(epochs)
        .setSeed(7)
        .setValidationK(10);
  }

  private Job submit(JobSpec.Builder spec) {
    return trainer.submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build()).getJob();
  }

  private static List<JobEvent> drain(Iterator<JobEvent> events) {
    List<JobEvent> out = new ArrayList<>();
    events.forEachRemaining(out::add);
    return out;
  }

  private static void assertStatus(Runnable call, Status.Code code, String description) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).isEqualTo(description);
            });
  }

  /** A trainer with tokens: the SubmitJob caller's subject goes into each version it publishes. */
  @Test
  void submitJob_withTokens_eachVersionRecordsItsSubmitterAndReadersCannotTrain()
      throws IOException {
    String alice = "a".repeat(32);
    String bob = "b".repeat(32);
    String reader = "r".repeat(32);
    Path tokens =
        java.nio.file.Files.writeString(
            dir.resolve("tokens"),
            alice + " train,read alice\n" + bob + " train,read bob\n" + reader + " read dash\n");
    TrainerServer secured =
        startServer(
            c ->
                c.jobsDir(dir.resolve("secured-jobs"))
                    .security(
                        new io.latentserve.server.security.ServerSecurity(
                            null, null, null, tokens, null)));
    ManagedChannel channel = channel(secured);

    Job first = submitAs(channel, alice, spec("tiny-who", 1));
    JobEvent firstEnd = lastEvent(channel, alice, first.getJobId());
    Job second = submitAs(channel, bob, spec("tiny-who", 1));
    JobEvent secondEnd = lastEvent(channel, bob, second.getJobId());

    assertThat(firstEnd.getJob().getPublished().getVersion()).isEqualTo(1);
    assertThat(firstEnd.getJob().getPublished().getProvenance().getPublishedBy())
        .isEqualTo("alice");
    assertThat(secondEnd.getJob().getPublished().getVersion()).isEqualTo(2);
    assertThat(secondEnd.getJob().getPublished().getProvenance().getPublishedBy()).isEqualTo("bob");
    assertStatus(
        () -> submitAs(channel, reader, spec("tiny-who", 1)),
        Status.Code.PERMISSION_DENIED,
        "latentserve.v1.Trainer/SubmitJob needs role train; the token of dash has read");
  }

  private static TrainerGrpc.TrainerBlockingStub as(ManagedChannel channel, String token) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(
        io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return TrainerGrpc.newBlockingStub(channel)
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  private static Job submitAs(ManagedChannel channel, String token, JobSpec.Builder spec) {
    return as(channel, token)
        .submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build())
        .getJob();
  }

  private static JobEvent lastEvent(ManagedChannel channel, String token, String jobId) {
    List<JobEvent> events =
        drain(as(channel, token).watchJob(WatchJobRequest.newBuilder().setJobId(jobId).build()));
    return events.get(events.size() - 1);
  }

  @Test
  void submitJob_validSpec_watchStreamsProgressUntilPublished() {
    Job job = submit(spec("tiny-ok", 2));
    assertThat(job.getState()).isIn(JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING);
    assertThat(job.getTotalSteps()).isEqualTo(14);
    assertThat(job.getSpec().getValidationK()).isEqualTo(10);

    List<JobEvent> events =
        drain(trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build()));

    JobEvent last = events.get(events.size() - 1);
    assertThat(last.getJob().getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(last.getJob().getStep()).isEqualTo(14);
    assertThat(last.getValidationBound()).isNegative();
    assertThat(last.getJob().getPublished().getName()).isEqualTo("tiny-ok");
    assertThat(last.getJob().getPublished().getVersion()).isEqualTo(1);
    assertThat(last.getJob().getPublished().getManifestSha256()).hasSize(64);
    assertThat(last.getJob().getPublished().getProvenance().getFinalMetricsMap())
        .containsKey("validation_iwae_k10");
    assertThat(events).extracting(e -> e.getJob().getStep()).isSorted();
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e.getJob().getState()).isEqualTo(JobState.JOB_STATE_RUNNING);
              assertThat(e.getPhase()).isEqualTo(JobPhase.JOB_PHASE_TRAINING);
              assertThat(e.getStepsPerSecond()).isPositive();
              assertThat(e.hasEta()).isTrue();
              assertThat(e.getLoss()).isPositive();
            });
    // A running job moves forward through its phases; an ended one has none.
    assertThat(events)
        .filteredOn(e -> e.getJob().getState() == JobState.JOB_STATE_RUNNING)
        .extracting(e -> e.getPhase().getNumber())
        .isSorted()
        .doesNotContain(JobPhase.JOB_PHASE_UNSPECIFIED_VALUE);
    assertThat(last.getPhase()).isEqualTo(JobPhase.JOB_PHASE_UNSPECIFIED);
    assertThat(trainer.getJob(GetJobRequest.newBuilder().setJobId(job.getJobId()).build()).getJob())
        .isEqualTo(last.getJob());
    assertThat(trainer.listJobs(ListJobsRequest.getDefaultInstance()).getJobsList())
        .containsExactly(last.getJob());
    assertThat(dir.resolve("models").resolve("tiny-ok").resolve("1").resolve("manifest.json"))
        .exists();
  }

  @Test
  void submitJob_validationKZero_resolvesToTheDefaultOf100() {
    Job job = submit(spec("tiny-default-k", 1).setValidationK(0));

    assertThat(job.getSpec().getValidationK()).isEqualTo(100);
    JobEvent last =
        drain(trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build()))
            .stream()
            .reduce((a, b) -> b)
            .orElseThrow();
    assertThat(last.getJob().getPublished().getProvenance().getFinalMetricsMap())
        .containsKey("validation_iwae_k100");
  }

  @Test
  void submitJob_conditional_publishesABundleConditionedOnTheLabels() {
    Job job =
        submit(
            spec("tiny-cvae", 1)
                .setArchitecture(spec("x", 1).getArchitecture().toBuilder().setConditional(true)));
    assertThat(job.getSpec().getArchitecture().getConditional()).isTrue();

    List<JobEvent> events =
        drain(trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build()));

    Job last = events.get(events.size() - 1).getJob();
    assertThat(last.getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    // the "tiny" data set has labels 0 and 1
    assertThat(last.getPublished().getConditionDim()).isEqualTo(2);
    Manifest manifest =
        new FileSystemModelRepository(dir.resolve("models")).open("tiny-cvae", 1).manifest();
    assertThat(manifest.architecture().conditionDim()).isEqualTo(2);
  }

  @Test
  void submitJob_sigmoidBeliefNetWithVimco_trainsAndPublishesABernoulliBundle() {
    Job job =
        submit(
            spec("tiny-sbn", 2)
                .setArchitecture(
                    Architecture.newBuilder()
                        .addLayers(
                            StochasticLayerSpec.newBuilder()
                                .setLatentDim(3)
                                .setFamily(LatentFamily.LATENT_FAMILY_BERNOULLI)))
                .setObjective(
                    Objective.newBuilder().setVimco(Objective.Vimco.newBuilder().setK(4))));
    assertThat(job.getSpec().getObjective().getVimco().getK()).isEqualTo(4);
    assertThat(job.getSpec().getArchitecture().getLayers(0).getFamily())
        .isEqualTo(LatentFamily.LATENT_FAMILY_BERNOULLI);

    List<JobEvent> events =
        drain(trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build()));

    JobEvent last = events.get(events.size() - 1);
    assertThat(last.getJob().getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(last.getValidationBound()).isNegative();
    assertThat(last.getJob().getPublished().getProvenance().getFinalMetricsMap())
        .containsKeys("train_iwae_k4", "validation_iwae_k10");
    Manifest manifest =
        new FileSystemModelRepository(dir.resolve("models")).open("tiny-sbn", 1).manifest();
    assertThat(manifest.architecture().family(0))
        .isEqualTo(io.latentserve.model.LatentFamily.BERNOULLI);
    assertThat(manifest.architecture().prior()).isEqualTo(io.latentserve.model.Prior.LEARNED);
  }

  @Test
  void submitJob_hitTopDown_publishesATopDownBundleWithItsShape() {
    Job job =
        submit(
            spec("tiny-hit", 2)
                .setArchitecture(
                    Architecture.newBuilder()
                        .addLayers(StochasticLayerSpec.newBuilder().setLatentDim(3).addHidden(8))
                        .addLayers(StochasticLayerSpec.newBuilder().setLatentDim(2).addHidden(4))
                        .setInferenceStructure(InferenceStructure.INFERENCE_STRUCTURE_TOP_DOWN))
                .setObjective(
                    Objective.newBuilder()
                        .setHit(
                            Objective.Hit.newBuilder()
                                .setBetaY(0.5)
                                .setBetaZ(2)
                                .setWarmupEpochs(2))));
    assertThat(job.getSpec().getObjective().getHit().getBetaZ()).isEqualTo(2);

    JobEvent last =
        drain(trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build()))
            .stream()
            .reduce((a, b) -> b)
            .orElseThrow();

    assertThat(last.getJob().getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(last.getJob().getPublished().getInferenceStructure())
        .isEqualTo(InferenceStructure.INFERENCE_STRUCTURE_TOP_DOWN);
    Manifest manifest =
        new FileSystemModelRepository(dir.resolve("models")).open("tiny-hit", 1).manifest();
    assertThat(manifest.architecture().inference())
        .isEqualTo(io.latentserve.model.InferenceStructure.TOP_DOWN);
    assertThat(manifest.architecture().encoderInputDim(0))
        .isEqualTo(manifest.architecture().inputDim() + 2);
  }

  @Test
  void submitJob_hitBottomUp_invalidArgumentNamingTheStructure() {
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(
                        Architecture.newBuilder()
                            .addLayers(StochasticLayerSpec.newBuilder().setLatentDim(3))
                            .addLayers(StochasticLayerSpec.newBuilder().setLatentDim(2)))
                    .setObjective(
                        Objective.newBuilder()
                            .setHit(Objective.Hit.newBuilder().setBetaY(1).setBetaZ(1)))),
        Status.Code.INVALID_ARGUMENT,
        "objective hit needs per-layer rates, which the bottom_up inference structure does not"
            + " give; use top_down");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(
                        Architecture.newBuilder()
                            .setPreset(Architecture.Preset.PRESET_HIT_MLP)
                            .setConditional(true))),
        Status.Code.INVALID_ARGUMENT,
        "spec.architecture.conditional is not available with PRESET_HIT_MLP; give the two layers"
            + " with inference_structure TOP_DOWN instead");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setObjective(
                        Objective.newBuilder()
                            .setHit(Objective.Hit.newBuilder().setBetaY(-1).setBetaZ(1)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.hit: beta_y and beta_z must be finite and >= 0, got -1.0 and 1.0");
  }

  @Test
  void submitJob_rwsWithSleep_trainsAndPublishes() {
    Job job =
        submit(
            spec("tiny-rws", 1)
                .setObjective(
                    Objective.newBuilder()
                        .setRws(Objective.Rws.newBuilder().setK(3).setPhi(RwsPhi.RWS_PHI_BOTH))));
    assertThat(job.getSpec().getObjective().getRws().getPhi()).isEqualTo(RwsPhi.RWS_PHI_BOTH);
    JobEvent last =
        drain(trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build()))
            .stream()
            .reduce((a, b) -> b)
            .orElseThrow();
    assertThat(last.getJob().getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(last.getJob().getPublished().getVersion()).isEqualTo(1);
  }

  @Test
  void submitJob_invalidFields_invalidArgumentNamingTheField() {
    assertStatus(
        () -> submit(spec("x", 1).setOptimizer(Optimizer.newBuilder().setBatchSize(8))),
        Status.Code.INVALID_ARGUMENT,
        "spec.optimizer.learning_rate must be in (0, 1], got 0.0");
    assertStatus(
        () -> submit(spec("x", 1).clearObjective()),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective is required: one of elbo, beta_vae, iwae, dreg, info_vae, lag_vae, vimco,"
            + " rws, hit, dvae");
    Architecture dvaePreset =
        Architecture.newBuilder().setPreset(Architecture.Preset.PRESET_DVAE_1_LAYER_NONLIN).build();
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(dvaePreset)
                    .setObjective(
                        Objective.newBuilder()
                            .setDvae(
                                Objective.Dvae.newBuilder()
                                    .setVariant(Objective.Dvae.Variant.VARIANT_DVAE_SHARP)
                                    .setPcdChains(-3)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.dvae.pcd: pcd_chains must be in [1, 100000], got -3");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(dvaePreset)
                    .setObjective(
                        Objective.newBuilder()
                            .setDvae(
                                Objective.Dvae.newBuilder()
                                    .setVariant(Objective.Dvae.Variant.VARIANT_DVAE_SHARP)
                                    .setAisChains(1)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.dvae.ais: ais_chains must be in [2, 100000], got 1");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(dvaePreset)
                    .setObjective(
                        Objective.newBuilder()
                            .setDvae(
                                Objective.Dvae.newBuilder()
                                    .setVariant(Objective.Dvae.Variant.VARIANT_DVAE_PP)
                                    .setSmoothing(Objective.Dvae.Smoothing.SMOOTHING_POWER)
                                    .setBeta(-1)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.dvae.beta: beta must be finite and > 0, got -1.0");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(dvaePreset)
                    .setObjective(
                        Objective.newBuilder()
                            .setDvae(
                                Objective.Dvae.newBuilder()
                                    .setVariant(Objective.Dvae.Variant.VARIANT_DVAE)
                                    .setSmoothing(Objective.Dvae.Smoothing.SMOOTHING_POWER)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.dvae: objective dvae uses the spike-exp smoothing, got power");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setObjective(
                        Objective.newBuilder()
                            .setDvae(
                                Objective.Dvae.newBuilder()
                                    .setVariant(Objective.Dvae.Variant.VARIANT_DVAE_SHARP)))),
        Status.Code.INVALID_ARGUMENT,
        "objective dvae_sharp needs the rbm prior, got standard_normal");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(dvaePreset)
                    .setObjective(
                        Objective.newBuilder().setDvae(Objective.Dvae.newBuilder().setK(2)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.dvae.variant must be VARIANT_DVAE, VARIANT_DVAE_PP or VARIANT_DVAE_SHARP,"
            + " got VARIANT_UNSPECIFIED");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setObjective(
                        Objective.newBuilder().setIwae(Objective.Iwae.newBuilder().setK(0)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.iwae.k: k must be in [1, 5000], got 0");
    assertStatus(
        () -> submit(spec("Bad Name", 1)),
        Status.Code.INVALID_ARGUMENT,
        "model name \"Bad Name\" may contain only [a-z0-9._-], has 'B' at index 0");
    assertStatus(
        () -> submit(spec("x", 1).setDataset("")),
        Status.Code.INVALID_ARGUMENT,
        "spec.dataset is required, got empty");
    assertStatus(
        () -> submit(spec("x", 0)),
        Status.Code.INVALID_ARGUMENT,
        "spec.epochs must be in [1, 100000], got 0");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(
                        Architecture.newBuilder()
                            .setLikelihood(Likelihood.LIKELIHOOD_GAUSSIAN_FIXED)
                            .addLayers(StochasticLayerSpec.newBuilder().setLatentDim(2)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.architecture.likelihood_sigma must be > 0 for LIKELIHOOD_GAUSSIAN_FIXED, got 0.0");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(
                        spec("x", 1).getArchitecture().toBuilder()
                            .setPreset(Architecture.Preset.PRESET_IWAE_1_LAYER))),
        Status.Code.INVALID_ARGUMENT,
        "spec.architecture.layers must be empty when a preset is set, got 1 layers and"
            + " PRESET_IWAE_1_LAYER");
    assertStatus(
        () -> submit(spec("x", 1).setDataset("mnist-11k")),
        Status.Code.INVALID_ARGUMENT,
        "spec.dataset mnist-11k is unknown; known: [tiny]");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setArchitecture(
                        Architecture.newBuilder()
                            .addLayers(
                                StochasticLayerSpec.newBuilder()
                                    .setLatentDim(3)
                                    .setFamily(LatentFamily.LATENT_FAMILY_BERNOULLI)))),
        Status.Code.INVALID_ARGUMENT,
        "objective iwae needs reparameterizable latents, layer z1 is bernoulli; use vimco or rws");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setObjective(
                        Objective.newBuilder().setVimco(Objective.Vimco.newBuilder().setK(1)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.vimco.k: k must be >= 2 for vimco (its baseline leaves one sample out),"
            + " got 1");
    assertStatus(
        () -> trainer.submitJob(SubmitJobRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        "spec is required");
    assertThat(trainer.listJobs(ListJobsRequest.getDefaultInstance()).getJobsList()).isEmpty();
  }

  private static Objective.LagVae.Builder lagVae(double mi, double e1, double e2) {
    return Objective.LagVae.newBuilder().setMi(mi).setE1(e1).setE2(e2);
  }

  @Test
  void submitJob_invalidLagrangianObjectives_invalidArgumentNamingTheField() {
    assertStatus(
        () -> submit(spec("x", 1).setObjective(Objective.newBuilder().setLagVae(lagVae(1, 5, -1)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.lag_vae: e2 must be finite and >= 0, got -1.0");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setObjective(Objective.newBuilder().setLagVae(lagVae(Double.NaN, 5, 1)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.lag_vae: mi must be finite, got NaN");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setObjective(
                        Objective.newBuilder()
                            .setLagVae(
                                lagVae(1, 5, 1)
                                    .setMultiplierOptimizer(
                                        Objective.MultiplierOptimizer.newBuilder()
                                            .setLearningRate(-1))))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.lag_vae.multiplier_optimizer: learning_rate must be finite and > 0, got"
            + " -1.0");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setObjective(
                        Objective.newBuilder()
                            .setLagVae(
                                lagVae(1, 5, 1)
                                    .setMultiplierOptimizer(
                                        Objective.MultiplierOptimizer.newBuilder()
                                            .setDecay(1.5))))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.lag_vae.multiplier_optimizer: decay must be in [0, 1), got 1.5");
    Objective.Constraints constraints =
        Objective.Constraints.newBuilder().setMi(0).setE1(0).setE2(1).build();
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setObjective(
                        Objective.newBuilder()
                            .setInfoVae(
                                Objective.InfoVae.newBuilder().setConstraints(constraints)))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.info_vae.constraints: e1 must be > 0 to state info_vae by its"
            + " constraints, got 0.0");
    assertStatus(
        () ->
            submit(
                spec("x", 1)
                    .setObjective(
                        Objective.newBuilder()
                            .setInfoVae(
                                Objective.InfoVae.newBuilder()
                                    .setAlpha(0.5)
                                    .setConstraints(constraints.toBuilder().setE1(5))))),
        Status.Code.INVALID_ARGUMENT,
        "spec.objective.info_vae: give either alpha and lambda or constraints, got alpha 0.5,"
            + " lambda 0.0 and constraints");
    assertThat(trainer.listJobs(ListJobsRequest.getDefaultInstance()).getJobsList()).isEmpty();
  }

  /**
   * A LagVAE job streams its multipliers and constraint values in every training event, exports
   * them as gauges, and records the final values in the bundle's provenance.
   */
  @Test
  void submitJob_lagVae_eventsMetricsAndProvenanceCarryTheMultipliers() throws Exception {
    Job job =
        submit(
            spec("tiny-lag", 2)
                .setObjective(
                    Objective.newBuilder()
                        .setLagVae(
                            lagVae(1, 1, 1e6)
                                .setMultiplierOptimizer(
                                    Objective.MultiplierOptimizer.newBuilder()
                                        .setLearningRate(0.01)))));
    // the defaults of the unset optimizer fields are resolved in the accepted spec
    assertThat(job.getSpec().getObjective().getLagVae().getMultiplierOptimizer())
        .isEqualTo(
            Objective.MultiplierOptimizer.newBuilder()
                .setLearningRate(0.01)
                .setDecay(0.9)
                .setEpsilon(1e-10)
                .build());

    List<JobEvent> events =
        drain(trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build()));

    JobEvent last = events.get(events.size() - 1);
    assertThat(last.getJob().getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    List<JobEvent> training =
        events.stream()
            .filter(e -> e.getPhase() == JobPhase.JOB_PHASE_TRAINING && e.getJob().getStep() > 0)
            .toList();
    assertThat(training).isNotEmpty();
    // e1 = 1 nat is violated throughout (6 Bernoulli pixels cost more), 1e4 MMD <= 1e6 holds:
    // lambda1 climbs and lambda2 falls, step after step
    assertThat(training)
        .allSatisfy(
            e -> {
              assertThat(e.hasLagrangian()).isTrue();
              assertThat(e.getLagrangian().getConsistency()).isGreaterThan(1);
              assertThat(e.getLagrangian().getMmd()).isBetween(0.0, 1e6);
              assertThat(e.getLagrangian().getConsistencyMultiplier()).isGreaterThan(1);
              assertThat(e.getLagrangian().getMmdMultiplier()).isLessThan(1);
            });
    assertThat(training).extracting(e -> e.getLagrangian().getConsistencyMultiplier()).isSorted();
    Map<String, Double> metrics = last.getJob().getPublished().getProvenance().getFinalMetricsMap();
    assertThat(metrics)
        .containsKeys(
            "lagrange_multiplier_consistency",
            "lagrange_multiplier_mmd",
            "last_epoch_consistency",
            "last_epoch_mmd",
            "train_consistency");
    assertThat(metrics.get("lagrange_multiplier_consistency"))
        .isEqualTo(training.get(training.size() - 1).getLagrangian().getConsistencyMultiplier());
    assertThat(metrics.get("train_consistency")).isEqualTo(-metrics.get("train_elbo"));

    HttpResponse<String> scrape =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    // one gauge per multiplier and per constraint value, tagged with the model
    assertThat(scrape.body())
        .contains(
            "latentserve_trainer_lagrange_multiplier{constraint=\"consistency\",model=\"tiny-lag\"}")
        .contains("latentserve_trainer_lagrange_multiplier{constraint=\"mmd\",model=\"tiny-lag\"}")
        .contains(
            "latentserve_trainer_constraint_value{constraint=\"consistency\",model=\"tiny-lag\"}")
        .contains("latentserve_trainer_constraint_value{constraint=\"mmd\",model=\"tiny-lag\"}");
  }

  @Test
  void submitJob_tooLargeOrConflicting_resourceExhaustedOrAlreadyExists() {
    assertStatus(
        () ->
            submit(
                spec("big", 1)
                    .setObjective(
                        Objective.newBuilder().setIwae(Objective.Iwae.newBuilder().setK(1000)))),
        Status.Code.RESOURCE_EXHAUSTED,
        "spec.optimizer.batch_size 8 times 1000 samples is 8000 rows per step, this trainer's"
            + " limit is 1000");
    Job running = submit(spec("tiny-long", 500));
    // Wait until it runs, so that the state the description names cannot change under the test.
    Iterator<JobEvent> events =
        trainer.watchJob(WatchJobRequest.newBuilder().setJobId(running.getJobId()).build());
    while (events.next().getJob().getState() != JobState.JOB_STATE_RUNNING) {
      // the next event
    }
    assertStatus(
        () -> submit(spec("tiny-long", 1)),
        Status.Code.ALREADY_EXISTS,
        "job " + running.getJobId() + " for model tiny-long is already running");
    trainer.cancelJob(CancelJobRequest.newBuilder().setJobId(running.getJobId()).build());
  }

  /**
   * The case: a 2,000,000-wide hidden layer would allocate gigabytes of weights and end in
   * an OutOfMemoryError inside the trainer; it is refused at SubmitJob, naming the field, the
   * value, the limit and its flag, and nothing is queued.
   */
  @Test
  void submitJob_twoMillionWideLayer_refusedUpFrontWithResourceExhausted() {
    assertStatus(
        () ->
            submit(
                spec("huge", 1)
                    .setArchitecture(
                        Architecture.newBuilder()
                            .addLayers(
                                StochasticLayerSpec.newBuilder()
                                    .setLatentDim(2)
                                    .addHidden(8)
                                    .addHidden(2_000_000)))),
        Status.Code.RESOURCE_EXHAUSTED,
        "spec.architecture.layers[0].hidden[1] = 2000000 exceeds the limit 65536"
            + " (--max-hidden-width)");
    assertThat(trainer.listJobs(ListJobsRequest.getDefaultInstance()).getJobsList()).isEmpty();
  }

  @Test
  void submitJob_overTheConfiguredParameterLimit_resourceExhausted() throws IOException {
    TrainerServer small = startServer(c -> c.maxParameters(100));
    TrainerGrpc.TrainerBlockingStub stub =
        TrainerGrpc.newBlockingStub(channel(small)).withDeadlineAfter(1, TimeUnit.MINUTES);
    // 6 -> 8 -> 2x2 encoder, 2 -> 8 -> 6 decoder (Bernoulli): 56 + 36 + 24 + 54 = 170 parameters
    assertStatus(
        () -> stub.submitJob(SubmitJobRequest.newBuilder().setSpec(spec("p", 1)).build()),
        Status.Code.RESOURCE_EXHAUSTED,
        "spec.architecture has 170 parameters, more than the limit 100 (--max-parameters)");
  }

  /**
   * The variance floor of a learned-variance Gaussian likelihood: the default when the request
   * leaves it at 0, the request's value otherwise, recorded in the job's spec and the published
   * bundle's manifest (from which inference-service serves it); refused for another likelihood.
   */
  @Test
  void submitJob_learnedVariance_floorDefaultsRecordedAndRefusedElsewhere() {
    JobSpec.Builder learned = spec("tiny-learned", 1);
    learned.getArchitectureBuilder().setLikelihood(Likelihood.LIKELIHOOD_GAUSSIAN_LEARNED);
    Job byDefault = submit(learned);
    assertThat(byDefault.getSpec().getArchitecture().getLikelihoodMinVariance()).isEqualTo(1e-3);
    List<JobEvent> events =
        drain(
            trainer.watchJob(WatchJobRequest.newBuilder().setJobId(byDefault.getJobId()).build()));
    Job done = events.get(events.size() - 1).getJob();
    assertThat(done.getState()).as(done.getReason()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(done.getPublished().getLikelihoodMinVariance()).isEqualTo(1e-3);
    assertThat(
            new io.latentserve.bundle.FileSystemModelRepository(dir.resolve("models"))
                .open("tiny-learned", 1)
                .manifest()
                .architecture()
                .likelihoodMinVariance())
        .isEqualTo(1e-3);

    JobSpec.Builder chosen = spec("tiny-learned-2", 1);
    chosen
        .getArchitectureBuilder()
        .setLikelihood(Likelihood.LIKELIHOOD_GAUSSIAN_LEARNED)
        .setLikelihoodMinVariance(0.05);
    assertThat(submit(chosen).getSpec().getArchitecture().getLikelihoodMinVariance())
        .isEqualTo(0.05);

    JobSpec.Builder bernoulli = spec("tiny-b-floor", 1);
    bernoulli.getArchitectureBuilder().setLikelihoodMinVariance(0.05);
    assertStatus(
        () -> submit(bernoulli),
        Status.Code.INVALID_ARGUMENT,
        "spec.architecture.likelihood_min_variance is only for LIKELIHOOD_GAUSSIAN_LEARNED, got"
            + " 0.05 with BERNOULLI");
    JobSpec.Builder negative = spec("tiny-neg", 1);
    negative
        .getArchitectureBuilder()
        .setLikelihood(Likelihood.LIKELIHOOD_GAUSSIAN_LEARNED)
        .setLikelihoodMinVariance(-1);
    assertStatus(
        () -> submit(negative),
        Status.Code.INVALID_ARGUMENT,
        "spec.architecture.likelihood_min_variance must be a finite number > 0 (0 for the"
            + " default), got -1.0");
  }

  @Test
  void cancelJob_runningJob_cancelledWithinAStepAndTheStreamEnds() {
    Job job = submit(spec("tiny-cancel", 500));
    Iterator<JobEvent> events =
        trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build());
    while (events.next().getJob().getStep() < 3) {
      // wait until it trains
    }
    Job cancelled =
        trainer.cancelJob(CancelJobRequest.newBuilder().setJobId(job.getJobId()).build()).getJob();
    assertThat(cancelled.getState()).isEqualTo(JobState.JOB_STATE_CANCELLED);
    assertThat(cancelled.getReason()).startsWith("cancelled by request at step ");
    List<JobEvent> rest = drain(events);
    assertThat(rest.get(rest.size() - 1).getJob().getState())
        .isEqualTo(JobState.JOB_STATE_CANCELLED);
    assertThat(dir.resolve("models").resolve("tiny-cancel")).doesNotExist();

    assertStatus(
        () -> trainer.cancelJob(CancelJobRequest.newBuilder().setJobId(job.getJobId()).build()),
        Status.Code.FAILED_PRECONDITION,
        "job " + job.getJobId() + " has already ended: cancelled");
    assertStatus(
        () -> trainer.cancelJob(CancelJobRequest.newBuilder().setJobId("nope").build()),
        Status.Code.NOT_FOUND,
        "job nope not found");
    assertStatus(
        () -> trainer.getJob(GetJobRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        "job_id is required");
    assertStatus(
        () -> drain(trainer.watchJob(WatchJobRequest.newBuilder().setJobId("nope").build())),
        Status.Code.NOT_FOUND,
        "job nope not found");
  }

  @Test
  void shutdown_runningJob_watchEndsUnavailableAndARestartFinishesIt() throws IOException {
    Job job = submit(spec("tiny-restart", 30));
    Iterator<JobEvent> events =
        trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build());
    while (events.next().getJob().getStep() < 3) {
      // wait until it trains
    }
    server.shutdown();
    assertThatThrownBy(() -> drain(events))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    TrainerServer restarted = startServer(c -> c);
    TrainerGrpc.TrainerBlockingStub again =
        TrainerGrpc.newBlockingStub(channel(restarted)).withDeadlineAfter(2, TimeUnit.MINUTES);
    List<JobEvent> after =
        drain(again.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build()));
    Job done = after.get(after.size() - 1).getJob();
    assertThat(done.getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(done.getStep()).isEqualTo(done.getTotalSteps());
  }

  @Test
  void start_healthServingReflectionAndMetrics() throws Exception {
    assertThat(
            HealthGrpc.newBlockingStub(channel(server))
                .check(
                    HealthCheckRequest.newBuilder().setService(TrainerServer.SERVICE_NAME).build())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);

    CompletableFuture<ServerReflectionResponse> response = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel(server))
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    response.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    response.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    assertThat(response.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
        .extracting(s -> s.getName())
        .contains(TrainerServer.SERVICE_NAME);

    Job job = submit(spec("tiny-metrics", 1));
    drain(trainer.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build()));
    HttpResponse<String> metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("latentserve_trainer_jobs{state=\"succeeded\"} 1.0")
        .contains("latentserve_trainer_steps_total{model=\"tiny-metrics\"} 7.0")
        .contains("latentserve_trainer_jobs_finished_total{state=\"succeeded\"} 1.0")
        .contains("grpc_server_processing_duration_seconds")
        .contains("SubmitJob");
  }
}
