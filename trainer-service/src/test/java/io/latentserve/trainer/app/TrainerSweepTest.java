package io.latentserve.trainer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.proto.v1.Architecture;
import io.latentserve.proto.v1.CancelSweepRequest;
import io.latentserve.proto.v1.GetJobRequest;
import io.latentserve.proto.v1.GetSweepRequest;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.ListSweepsRequest;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.Optimizer;
import io.latentserve.proto.v1.StochasticLayerSpec;
import io.latentserve.proto.v1.SubmitSweepRequest;
import io.latentserve.proto.v1.Sweep;
import io.latentserve.proto.v1.SweepAxis;
import io.latentserve.proto.v1.SweepEvent;
import io.latentserve.proto.v1.SweepGroup;
import io.latentserve.proto.v1.SweepMode;
import io.latentserve.proto.v1.SweepPoint;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.proto.v1.WatchSweepRequest;
import io.latentserve.trainer.core.InMemoryDatasets;
import io.latentserve.trainer.core.TrainingLoopTest;
import io.latentserve.trainer.samediff.SameDiffBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Trainer's sweep RPCs over a real server (in-process transport) and tiny models. */
class TrainerSweepTest {
  @TempDir Path dir;
  private final List<TrainerServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Map<TrainerServer, String> names = new HashMap<>();
  private TrainerServer server;
  private TrainerGrpc.TrainerBlockingStub trainer;

  @BeforeEach
  void setUp() throws IOException {
    server = startServer();
    trainer = stub(server);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    servers.forEach(TrainerServer::shutdown);
  }

  private TrainerServer startServer() throws IOException {
    TrainerConfig config =
        TrainerConfig.builder()
            .metricsPort(0)
            .modelRepository(dir.resolve("models"))
            .dataDir(dir.resolve("data"))
            .maxStepSamples(1000)
            .maxQueuedJobs(4)
            .maxSweepPoints(6)
            .checkpointInterval(Duration.ZERO)
            .progressInterval(Duration.ZERO)
            .shutdownGrace(Duration.ofSeconds(5))
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
    names.put(s, name);
    return s;
  }

  private TrainerGrpc.TrainerBlockingStub stub(TrainerServer s) {
    ManagedChannel c = InProcessChannelBuilder.forName(names.get(s)).build();
    channels.add(c);
    return TrainerGrpc.newBlockingStub(c).withDeadlineAfter(3, TimeUnit.MINUTES);
  }

  private static JobSpec.Builder base(int epochs) {
    return JobSpec.newBuilder()
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

  private static SweepAxis axis(String field, String... values) {
    return SweepAxis.newBuilder().setField(field).addAllValues(List.of(values)).build();
  }

  private static SweepGroup group(SweepMode mode, SweepAxis... axes) {
    return SweepGroup.newBuilder().setMode(mode).addAllAxes(List.of(axes)).build();
  }

  private static SubmitSweepRequest request(
      String name, JobSpec.Builder base, SweepGroup... groups) {
    return SubmitSweepRequest.newBuilder()
        .setBase(base)
        .setModelName(name)
        .addAllGroups(List.of(groups))
        .build();
  }

  private static Sweep last(Iterator<SweepEvent> events) {
    Sweep last = null;
    while (events.hasNext()) {
      last = events.next().getSweep();
    }
    return last;
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

  @Test
  void submitSweep_gridAndZip_everyPointPublishedWithTheSweepInItsProvenance() {
    Sweep submitted =
        trainer
            .submitSweep(
                request(
                    "grid",
                    base(1),
                    group(SweepMode.SWEEP_MODE_GRID, axis("seed", "1", "2"), axis("k", "2", "3")),
                    group(SweepMode.SWEEP_MODE_ZIP, axis("k", "4"), axis("learning_rate", "0.01"))))
            .getSweep();
    assertThat(submitted.getPointsCount()).isEqualTo(5);
    assertThat(submitted.getPoints(1).getValuesMap())
        .containsEntry("seed", "1")
        .containsEntry("k", "3");

    Sweep done =
        last(
            trainer.watchSweep(
                WatchSweepRequest.newBuilder().setSweepId(submitted.getSweepId()).build()));

    assertThat(done.getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(done.getSucceeded()).isEqualTo(5);
    assertThat(done.getStep()).isEqualTo(done.getTotalSteps()).isPositive();
    FileSystemModelRepository models = new FileSystemModelRepository(dir.resolve("models"));
    for (SweepPoint p : done.getPointsList()) {
      String model = "grid-" + p.getIndex();
      assertThat(p.getJob().getPublished().getName()).isEqualTo(model);
      assertThat(p.getJob().getSweepId()).isEqualTo(done.getSweepId());
      assertThat(p.getJob().getSweepIndex()).isEqualTo(p.getIndex());
      var wire = p.getJob().getPublished().getProvenance();
      assertThat(wire.getSweepId()).isEqualTo(done.getSweepId());
      assertThat(wire.getSweepIndex()).isEqualTo(p.getIndex());
      assertThat(wire.getSweepValuesMap()).isEqualTo(p.getValuesMap());
      Provenance stored = models.open(model, 1).manifest().provenance();
      assertThat(stored.sweep().sweepId()).isEqualTo(done.getSweepId());
      assertThat(stored.sweep().values()).isEqualTo(p.getValuesMap());
      assertThat(models.versions(model)).containsExactly(1L);
    }
    assertThat(done.getPoints(4).getSpec().getObjective().getIwae().getK()).isEqualTo(4);
    assertThat(done.getPoints(4).getSpec().getOptimizer().getLearningRate()).isEqualTo(0.01);
    assertThat(
            trainer
                .getJob(
                    GetJobRequest.newBuilder()
                        .setJobId(done.getPoints(2).getJob().getJobId())
                        .build())
                .getJob()
                .getSweepIndex())
        .isEqualTo(2);
    assertThat(trainer.listSweeps(ListSweepsRequest.getDefaultInstance()).getSweepsList())
        .extracting(Sweep::getSweepId)
        .containsExactly(done.getSweepId());
    assertThat(
            trainer
                .getSweep(GetSweepRequest.newBuilder().setSweepId(done.getSweepId()).build())
                .getSweep()
                .getState())
        .isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    // An ended sweep cannot be cancelled.
    assertStatus(
        () ->
            trainer.cancelSweep(
                CancelSweepRequest.newBuilder().setSweepId(done.getSweepId()).build()),
        Status.Code.FAILED_PRECONDITION,
        "sweep " + done.getSweepId() + " has already ended: succeeded");
  }

  @Test
  void submitSweep_badInputs_invalidArgumentNamingFieldExpectedAndActual() {
    Consumer<SubmitSweepRequest> submit = r -> trainer.submitSweep(r);
    assertStatus(
        () -> submit.accept(SubmitSweepRequest.newBuilder().setModelName("x").build()),
        Status.Code.INVALID_ARGUMENT,
        "base: expected a base spec, got none");
    assertStatus(
        () -> submit.accept(request("", base(1), group(SweepMode.SWEEP_MODE_GRID, axis("k", "2")))),
        Status.Code.INVALID_ARGUMENT,
        "model_name: expected the sweep's model name, got empty");
    assertStatus(
        () -> submit.accept(request("s", base(1))),
        Status.Code.INVALID_ARGUMENT,
        "groups: expected at least one group, got none");
    assertStatus(
        () ->
            submit.accept(
                request("s", base(1), group(SweepMode.SWEEP_MODE_GRID, axis("depth", "2")))),
        Status.Code.INVALID_ARGUMENT,
        "groups[0].axes[0].field: expected one of mi, e1, e2, alpha, lambda, beta, beta_y, beta_z,"
            + " smoothing, k, objective,"
            + " seed, epochs, learning_rate, batch_size, got 'depth'");
    assertStatus(
        () -> submit.accept(request("s", base(1), group(SweepMode.SWEEP_MODE_GRID, axis("k")))),
        Status.Code.INVALID_ARGUMENT,
        "groups[0].axes[0].values: expected at least one value for k, got none");
    assertStatus(
        () ->
            submit.accept(request("s", base(1), group(SweepMode.SWEEP_MODE_GRID, axis("mi", "1")))),
        Status.Code.INVALID_ARGUMENT,
        "groups[0].axes[0].field: the base spec's objective iwae has no field mi");
    assertStatus(
        () ->
            submit.accept(
                request("s", base(1), group(SweepMode.SWEEP_MODE_GRID, axis("epochs", "1", "0")))),
        Status.Code.INVALID_ARGUMENT,
        "groups[0].axes[0].values[1]: epochs = '0' is not accepted: spec.epochs must be in [1,"
            + " 100000], got 0");
    assertStatus(
        () ->
            submit.accept(
                request(
                    "s",
                    base(1),
                    group(
                        SweepMode.SWEEP_MODE_GRID,
                        axis("seed", "1", "2", "3"),
                        axis("k", "2", "3", "4")))),
        Status.Code.INVALID_ARGUMENT,
        "groups: a sweep may have at most 6 points, these axes give 9");
    assertStatus(
        () ->
            submit.accept(
                request(
                    "s",
                    base(1),
                    group(SweepMode.SWEEP_MODE_ZIP, axis("seed", "1", "2"), axis("k", "2")))),
        Status.Code.INVALID_ARGUMENT,
        "groups[0].axes[1].values: zipped axes need equal lengths, expected 2 values for k (as the"
            + " first axis), got 1");
    // A base spec is validated as SubmitJob validates a spec.
    assertStatus(
        () ->
            submit.accept(request("s", base(0), group(SweepMode.SWEEP_MODE_GRID, axis("k", "2")))),
        Status.Code.INVALID_ARGUMENT,
        "spec.epochs must be in [1, 100000], got 0");
    assertThat(trainer.listSweeps(ListSweepsRequest.getDefaultInstance()).getSweepsCount())
        .isZero();
  }

  @Test
  void getWatchCancelSweep_badIds_invalidArgumentOrNotFound() {
    assertStatus(
        () -> trainer.getSweep(GetSweepRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        "sweep_id: expected a sweep id, got empty");
    assertStatus(
        () -> trainer.cancelSweep(CancelSweepRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        "sweep_id: expected a sweep id, got empty");
    assertStatus(
        () -> trainer.watchSweep(WatchSweepRequest.getDefaultInstance()).hasNext(),
        Status.Code.INVALID_ARGUMENT,
        "sweep_id: expected a sweep id, got empty");
    assertStatus(
        () -> trainer.getSweep(GetSweepRequest.newBuilder().setSweepId("nope").build()),
        Status.Code.NOT_FOUND,
        "sweep nope not found");
    assertStatus(
        () -> trainer.cancelSweep(CancelSweepRequest.newBuilder().setSweepId("nope").build()),
        Status.Code.NOT_FOUND,
        "sweep nope not found");
    assertStatus(
        () ->
            trainer.watchSweep(WatchSweepRequest.newBuilder().setSweepId("nope").build()).hasNext(),
        Status.Code.NOT_FOUND,
        "sweep nope not found");
  }

  @Test
  void cancelSweep_running_cancelsEveryPointAndPublishesNothing() {
    Sweep sweep =
        trainer
            .submitSweep(
                request(
                    "long",
                    base(500),
                    group(SweepMode.SWEEP_MODE_GRID, axis("seed", "1", "2", "3"))))
            .getSweep();
    Iterator<SweepEvent> events =
        trainer.watchSweep(WatchSweepRequest.newBuilder().setSweepId(sweep.getSweepId()).build());
    while (events.next().getSweep().getStep() < 2) {
      // wait until the first point trains
    }
    Sweep cancelled =
        trainer
            .cancelSweep(CancelSweepRequest.newBuilder().setSweepId(sweep.getSweepId()).build())
            .getSweep();
    Sweep end = last(events);

    assertThat(cancelled.getState()).isEqualTo(JobState.JOB_STATE_CANCELLED);
    assertThat(end.getState()).isEqualTo(JobState.JOB_STATE_CANCELLED);
    assertThat(end.getPointsList())
        .extracting(SweepPoint::getState)
        .containsOnly(JobState.JOB_STATE_CANCELLED);
    assertThat(new FileSystemModelRepository(dir.resolve("models")).modelNames()).isEmpty();
  }

  @Test
  void shutdown_midSweep_aRestartedTrainerFinishesTheSweepPublishingEachPointOnce()
      throws IOException {
    Sweep sweep =
        trainer
            .submitSweep(
                request(
                    "restart",
                    base(20),
                    group(SweepMode.SWEEP_MODE_GRID, axis("seed", "1", "2", "3"))))
            .getSweep();
    Iterator<SweepEvent> events =
        trainer.watchSweep(WatchSweepRequest.newBuilder().setSweepId(sweep.getSweepId()).build());
    while (events.next().getSweep().getStep() < 3) {
      // wait until the first point trains
    }
    server.shutdown();
    assertThatThrownBy(() -> last(events))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    TrainerServer restarted = startServer();
    Sweep done =
        last(
            stub(restarted)
                .watchSweep(WatchSweepRequest.newBuilder().setSweepId(sweep.getSweepId()).build()));

    assertThat(done.getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    FileSystemModelRepository models = new FileSystemModelRepository(dir.resolve("models"));
    for (int i = 0; i < 3; i++) {
      assertThat(models.versions("restart-" + i)).containsExactly(1L);
    }
  }
}
