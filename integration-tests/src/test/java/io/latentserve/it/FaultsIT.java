package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.cli.DemoBundle;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentserveVersion;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.proto.v1.DatasetSplit;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationProgress;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.wire.TensorCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of real service processes: a replica killed with SIGKILL in the middle of an evaluation,
 * the trainer killed with SIGKILL in the middle of a job, and bundles published and deleted while
 * inference-service is under load.
 */
class FaultsIT {
  private static final Duration START = Duration.ofSeconds(60);

  /**
   * Examples and importance samples of the evaluation a replica dies in: the evaluator asks for at
   * most 2^18 weights per call, so this is 4 calls of 128 rows.
   */
  private static final int EXAMPLES = 512;

  private static final int K = 2048;

  @TempDir Path work;

  @RegisterExtension
  final ServiceProcesses services = ServiceProcesses.stoppedAfterEach(FaultsIT.class);

  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeChannels() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  private ManagedChannel channel(ServiceProcess process) {
    ManagedChannel channel = Calls.channel(process);
    channels.add(channel);
    return channel;
  }

  /**
   * Three replicas serve one repository and an evaluator balances over all of them; once progress
   * events show the importance weights under way, one replica is killed while its metrics show it
   * serving a call of them. The evaluator retries that replica's calls on the others, and since
   * every call carries its seed and first row, the report is bit for bit the one a second evaluator
   * computes, undisturbed, on the two survivors.
   */
  @Test
  void inferenceReplicaKilled_duringEvaluation_reportEqualsUndisturbedRunOnSurvivors()
      throws Exception {
    Path data = RealData.dataDir(RealData.MNIST);
    FileSystemModelRepository repository = new FileSystemModelRepository(work.resolve("models"));
    // small enough that many importance samples are cheap: 784-32-(8), tanh, Bernoulli
    VaeArchitecture small =
        new VaeArchitecture(
            784,
            List.of(new StochasticLayer("z1", 8, List.of(32))),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    VaeBundles.publish(
        repository,
        "small",
        VaeWeights.random(small, 1),
        new Provenance(
            "{\"generator\":\"FaultsIT\"}",
            "none",
            1,
            0,
            Map.of(),
            LatentserveVersion.get(),
            Instant.now()));
    List<ServiceProcess> replicas = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      replicas.add(
          services.start(
              "inference", "--model-repository", repository.root(), "--reload-interval", "1s"));
    }
    ServiceProcess victim = replicas.get(0);
    List<ServiceProcess> survivors = replicas.subList(1, 3);
    ServiceProcess disturbed =
        services.start(
            "evaluator",
            "--inference-target",
            String.join(",", replicas.stream().map(ServiceProcess::target).toList()),
            "--reports",
            work.resolve("reports-all"),
            "--data-dir",
            data);
    ServiceProcess undisturbed =
        services.start(
            "evaluator",
            "--inference-target",
            String.join(",", survivors.stream().map(ServiceProcess::target).toList()),
            "--reports",
            work.resolve("reports-survivors"),
            "--data-dir",
            data);
    services.awaitServing(START, replicas.get(0), replicas.get(1), replicas.get(2));
    services.awaitServing(START, disturbed, undisturbed);

    EvaluateRequest request =
        EvaluateRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName("small").setVersion(1))
            .setDataset(
                DatasetSplit.newBuilder()
                    .setName(RealData.MNIST)
                    .setSplit("test")
                    .setLimit(EXAMPLES)
                    .setBinarizationSeed(3))
            .setK(K)
            .addMetrics(Metric.METRIC_IWLL)
            .addMetrics(Metric.METRIC_ELBO)
            .setSeed(5)
            .setLabel("replica killed")
            .build();
    AtomicReference<EvaluationProgress> latest = new AtomicReference<>();
    EvaluatorGrpc.EvaluatorBlockingStub evaluator =
        EvaluatorGrpc.newBlockingStub(channel(disturbed));
    CompletableFuture<EvaluationReport> evaluation =
        CompletableFuture.supplyAsync(() -> Calls.evaluate(evaluator, request, START, latest::set));
    int victimMetrics = services.metricsPort(victim);
    EvaluationProgress atKill =
        Poll.until(
            START,
            "progress events of the importance weights while the victim serves a call of them",
            () -> {
              if (evaluation.isDone()) {
                throw new AssertionError(
                    "the evaluation ended before a replica could be killed in it: " + evaluation);
              }
              EvaluationProgress progress = latest.get();
              if (progress == null
                  || !progress.getPhase().equals("importance-weights")
                  || Calls.inFlight(Calls.scrape(victimMetrics), "ImportanceWeights") < 1) {
                return Optional.empty();
              }
              victim.kill();
              return Optional.of(progress);
            });
    EvaluationReport withKill = evaluation.get(START.toSeconds(), TimeUnit.SECONDS);

    assertThat(atKill.getExamplesDone()).isLessThan(EXAMPLES);
    Poll.until(Duration.ofSeconds(10), "the killed replica to exit", () -> !victim.isAlive());
    double retries =
        Calls.counterSum(
            Calls.scrape(services.metricsPort(disturbed)), "latentserve_inference_retries_total");
    assertThat(retries)
        .as("inference calls the evaluator retried after the replica was killed")
        .isPositive();

    EvaluationReport reference =
        Calls.evaluate(
            EvaluatorGrpc.newBlockingStub(channel(undisturbed)), request, START, progress -> {});

    assertThat(withKill.getExamples()).isEqualTo(EXAMPLES);
    assertThat(withKill.getIwll()).isEqualTo(reference.getIwll());
    assertThat(withKill.getIwllCurveList()).isEqualTo(reference.getIwllCurveList());
    assertThat(withKill.getElbo()).isEqualTo(reference.getElbo());
    assertThat(withKill.getMeanEffectiveSampleSize())
        .isEqualTo(reference.getMeanEffectiveSampleSize());
    assertThat(survivors).allMatch(ServiceProcess::isAlive);
  }

  /**
   * The trainer is killed with SIGKILL in the middle of its second epoch. Started again on the same
   * jobs folder, it queues the job again and resumes from the last checkpoint. trainer-service
   * promises that a resumed run continues bit for bit as the uninterrupted run (JobManager,
   * TrainingLoop: the order, binarization and noise of every step depend on the seed and the step
   * alone), so the published weights and the recorded bounds equal, bit for bit, those of the same
   * spec trained without interruption by a second trainer, meanwhile, into a repository of its own.
   */
  @Test
  void trainerKilled_duringJob_resumesFromCheckpointAndPublishesTheUninterruptedModel()
      throws IOException {
    Path data = RealData.dataDir(RealData.MNIST);
    Path models = work.resolve("models");
    Path referenceModels = work.resolve("models-reference");
    Object[] flags = {
      "--model-repository", models, "--data-dir", data, "--jobs-dir", work.resolve("jobs")
    };
    int batchSize = 200;
    int epochs = 2;
    // mnist-10k's 8,000 training digits less the 800 held out for validation
    long stepsPerEpoch =
        io.latentserve.trainer.core.ValidationSplit.trainingExamples(8000) / batchSize;
    JobSpec spec = Calls.smallElboJob("resumed", 8, 64, epochs, batchSize, 3, 10);

    ServiceProcess first = services.start("trainer", flags);
    ServiceProcess uninterrupted =
        services.start(
            "trainer",
            "--model-repository",
            referenceModels,
            "--data-dir",
            data,
            "--jobs-dir",
            work.resolve("jobs-reference"));
    services.awaitServing(START, first, uninterrupted);
    TrainerGrpc.TrainerBlockingStub referenceStub =
        TrainerGrpc.newBlockingStub(channel(uninterrupted));
    Job reference = Calls.submit(referenceStub, spec);
    TrainerGrpc.TrainerBlockingStub firstStub = TrainerGrpc.newBlockingStub(channel(first));
    Job submitted = Calls.submit(firstStub, spec);
    JobEvent atKill =
        Calls.watch(
            firstStub,
            submitted.getJobId(),
            START,
            event -> event.getJob().getStep() >= stepsPerEpoch + stepsPerEpoch / 4);
    first.kill();
    assertThat(atKill.getJob().getState())
        .as("the job was running when the trainer was killed")
        .isEqualTo(JobState.JOB_STATE_RUNNING);
    Poll.until(Duration.ofSeconds(10), "the killed trainer to exit", () -> !first.isAlive());

    ServiceProcess second = services.start("trainer", flags);
    services.awaitServing(START, second);
    JobEvent resumed =
        Calls.watch(
            TrainerGrpc.newBlockingStub(channel(second)),
            submitted.getJobId(),
            START,
            event -> false);
    JobEvent referenceEnd = Calls.watch(referenceStub, reference.getJobId(), START, event -> false);

    assertThat(resumed.getJob().getState())
        .as("resumed job ended %s: %s", resumed.getJob().getState(), resumed.getJob().getReason())
        .isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(referenceEnd.getJob().getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    Matcher resume =
        Pattern.compile("resuming at epoch (\\d+) step (\\d+) of (\\d+)")
            .matcher(ServiceProcesses.log(second));
    assertThat(resume.find()).as("the restarted trainer logs where it resumed").isTrue();
    long resumedAt =
        Long.parseLong(resume.group(1)) * stepsPerEpoch + Long.parseLong(resume.group(2));
    // the end of epoch 1 is checkpointed before its progress event, so the kill came after it
    assertThat(resumedAt)
        .as("the step the job resumed at, from its checkpoint")
        .isBetween(stepsPerEpoch, epochs * stepsPerEpoch - 1);

    Bundle afterKill =
        new FileSystemModelRepository(models)
            .open("resumed", resumed.getJob().getPublished().getVersion());
    Bundle withoutKill =
        new FileSystemModelRepository(referenceModels)
            .open("resumed", referenceEnd.getJob().getPublished().getVersion());
    assertThat(afterKill.manifest().provenance().specJson())
        .isEqualTo(withoutKill.manifest().provenance().specJson());
    assertThat(afterKill.manifest().provenance().finalMetrics())
        .containsKey("train_loss")
        .isEqualTo(withoutKill.manifest().provenance().finalMetrics());
    for (GraphRole role : GraphRole.values()) {
      assertThat(canonicalGraph(afterKill.graphFile(role)))
          .as("%s graph: every weight bit for bit, the same nodes", role)
          .isEqualTo(canonicalGraph(withoutKill.graphFile(role)));
    }
  }

  /**
   * An ONNX model with the attributes of every node in name order. The exporter writes them in the
   * iteration order of a {@code Map.of}, which differs between JVM runs (e.g. ReduceProd's {@code
   * axes} and {@code keepdims}), so two exports of the same weights by two processes may differ in
   * bytes but not in content.
   */
  private static OnnxMl.ModelProto canonicalGraph(Path file) throws IOException {
    OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
    OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
    for (int i = 0; i < graph.getNodeCount(); i++) {
      OnnxMl.NodeProto node = graph.getNode(i);
      List<OnnxMl.AttributeProto> attributes = new ArrayList<>(node.getAttributeList());
      attributes.sort(Comparator.comparing(OnnxMl.AttributeProto::getName));
      graph.setNode(i, node.toBuilder().clearAttribute().addAllAttribute(attributes));
    }
    return model.toBuilder().setGraph(graph).build();
  }

  /**
   * Clients call Encode and ImportanceWeights on "latest" without pause while new versions are
   * published and the one before each is deleted. No call fails, every response names a version
   * that was published, and its numbers are that version's (the encoder means equal those of the
   * Java reference implementation of the version's weights).
   */
  @Test
  void publishAndDelete_underLoad_everyCallSucceedsOnAVersionThatExisted() throws Exception {
    FileSystemModelRepository repository = new FileSystemModelRepository(work.resolve("models"));
    VaeArchitecture architecture = DemoBundle.IWAE1.architecture();
    int rows = 4;
    float[] pixels = new float[rows * architecture.inputDim()];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (i * 7919) % 5 < 2 ? 1f : 0f;
    }
    FloatTensor x = FloatTensor.of(pixels, rows, architecture.inputDim());
    Map<Long, float[]> expectedMeans = new ConcurrentHashMap<>();
    publish(repository, 1, x, expectedMeans);

    ServiceProcess inference =
        services.start(
            "inference", "--model-repository", repository.root(), "--reload-interval", "200ms");
    services.awaitServing(START, inference);
    InferenceGrpc.InferenceBlockingStub stub = InferenceGrpc.newBlockingStub(channel(inference));

    Set<Long> seen = ConcurrentHashMap.newKeySet();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    AtomicLong calls = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(3);
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      running.add(
          clients.submit(
              () -> {
                while (!stop.get()) {
                  callLatest(stub, x, expectedMeans, seen, problems);
                  calls.incrementAndGet();
                }
              }));
    }
    try {
      Poll.until(Duration.ofSeconds(30), "responses from version 1", () -> seen.contains(1L));
      for (long version = 2; version <= 5; version++) {
        publish(repository, version, x, expectedMeans);
        assertThat(repository.delete("demo", version - 1)).isTrue();
        long v = version;
        Poll.until(
            Duration.ofSeconds(30),
            "responses from version " + version + "; problems so far: " + problems,
            () -> seen.contains(v));
      }
    } finally {
      stop.set(true);
      clients.shutdown();
    }
    for (Future<?> client : running) {
      client.get(60, TimeUnit.SECONDS);
    }

    assertThat(problems).isEmpty();
    assertThat(seen).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
    assertThat(calls.get()).isGreaterThanOrEqualTo(10);
    Poll.until(
        Duration.ofSeconds(30),
        "inference-service to unload the deleted versions",
        () ->
            stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                .getModel(
                    GetModelRequest.newBuilder()
                        .setModel(ModelRef.newBuilder().setName("demo"))
                        .build())
                .getLoadedVersionsList()
                .equals(List.of(5L)));
  }

  /** Publishes the demo bundle seeded by its version and records its encoder means of {@code x}. */
  private static void publish(
      FileSystemModelRepository repository, long version, FloatTensor x, Map<Long, float[]> means) {
    VaeArchitecture architecture = DemoBundle.IWAE1.architecture();
    long seed = 100 + version;
    ReferenceVae reference = new ReferenceVae(VaeWeights.random(architecture, seed));
    List<FloatTensor> zeros = new ArrayList<>();
    for (int l = 0; l < architecture.layerCount(); l++) {
      zeros.add(FloatTensor.zeros(x.dim(0), architecture.layer(l).latentDim()));
    }
    means.put(version, reference.encode(x, zeros).layers().get(0).parameter("mean").data());
    Bundle bundle = DemoBundle.IWAE1.publish(repository, "demo", seed);
    assertThat(bundle.version()).isEqualTo(version);
  }

  /** One Encode and one ImportanceWeights call on "latest"; what is wrong goes to problems. */
  private static void callLatest(
      InferenceGrpc.InferenceBlockingStub stub,
      FloatTensor x,
      Map<Long, float[]> expectedMeans,
      Set<Long> seen,
      ConcurrentLinkedQueue<String> problems) {
    ModelRef latest = ModelRef.newBuilder().setName("demo").build();
    try {
      EncodeResponse encoded =
          stub.withDeadlineAfter(30, TimeUnit.SECONDS)
              .encode(
                  EncodeRequest.newBuilder().setModel(latest).setX(TensorCodec.encode(x)).build());
      long version = encoded.getModel().getVersion();
      float[] expected = expectedMeans.get(version);
      if (expected == null) {
        problems.add("Encode answered from version " + version + ", never published");
      } else {
        float[] mean =
            TensorCodec.decode("mean", encoded.getLayers(0).getGaussian().getMean()).data();
        for (int i = 0; i < expected.length; i++) {
          if (Math.abs(mean[i] - expected[i]) > 1e-4) {
            problems.add(
                "Encode named version "
                    + version
                    + " but mean["
                    + i
                    + "] = "
                    + mean[i]
                    + ", that version's is "
                    + expected[i]);
            break;
          }
        }
        seen.add(version);
      }

      Iterator<ImportanceWeightsChunk> chunks =
          stub.withDeadlineAfter(30, TimeUnit.SECONDS)
              .importanceWeights(
                  ImportanceWeightsRequest.newBuilder()
                      .setModel(latest)
                      .setX(TensorCodec.encode(x))
                      .setK(32)
                      .setSeed(9)
                      .build());
      Optional<Long> streamVersion = Optional.empty();
      int samples = 0;
      while (chunks.hasNext()) {
        ImportanceWeightsChunk chunk = chunks.next();
        long v = chunk.getModel().getVersion();
        if (streamVersion.isPresent() && streamVersion.get() != v) {
          problems.add(
              "one ImportanceWeights stream named versions " + streamVersion.get() + " and " + v);
        }
        streamVersion = Optional.of(v);
        if (!expectedMeans.containsKey(v)) {
          problems.add("ImportanceWeights answered from version " + v + ", never published");
        }
        FloatTensor logW = TensorCodec.decode("log_weights", chunk.getLogWeights());
        for (float w : logW.data()) {
          if (!Float.isFinite(w)) {
            problems.add("ImportanceWeights of version " + v + " returned " + w);
            break;
          }
        }
        samples += (int) logW.dim(1);
      }
      if (samples != 32) {
        problems.add("ImportanceWeights returned " + samples + " samples per row, asked for 32");
      }
      streamVersion.ifPresent(seen::add);
    } catch (StatusRuntimeException e) {
      problems.add("call failed: " + e.getStatus());
    }
  }
}
