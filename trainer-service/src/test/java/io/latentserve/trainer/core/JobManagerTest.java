package io.latentserve.trainer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Manifest;
import io.latentserve.bundle.ModelRepository;
import io.latentserve.datasets.Dataset;
import io.latentserve.datasets.Split;
import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.trainer.onnx.OnnxModelExporter;
import io.latentserve.trainer.samediff.SameDiffBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobManagerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final List<JobManager> managers = new java.util.ArrayList<>();

  @AfterEach
  void closeManagers() {
    managers.forEach(JobManager::close);
  }

  private static TrainingData nanData() {
    float[] images = new float[20 * 6];
    images[7] = Float.NaN;
    Dataset d = Dataset.of("nan", Split.TRAIN, images, new int[20], 2, 3);
    return new TrainingData(d, d);
  }

  private JobManager manager(JobManagerOptions options) {
    return manager(
        options,
        new SameDiffBackend(),
        new FileSystemModelRepository(dir.resolve("models")),
        (thread, error) -> {});
  }

  private JobManager manager(
      JobManagerOptions options,
      TrainingBackend backend,
      ModelRepository repository,
      Thread.UncaughtExceptionHandler fatalErrors) {
    JobManager m =
        new JobManager(
            new FileJobStore(dir.resolve("jobs")),
            new InMemoryDatasets(Map.of("tiny", TrainingLoopTest.tinyData(), "nan", nanData())),
            backend,
            new BundlePublisher(repository, new OnnxModelExporter()),
            options,
            TrainerListener.NONE,
            Clock.systemUTC(),
            fatalErrors);
    managers.add(m);
    return m.start();
  }

  private Job stored(String jobId) {
    return new FileJobStore(dir.resolve("jobs"))
        .loadAll().stream().filter(j -> j.id().equals(jobId)).findFirst().orElseThrow();
  }

  private static JobManagerOptions options(int maxQueued, Duration checkpointInterval) {
    return new JobManagerOptions(
        1, maxQueued, 10_000, checkpointInterval, Duration.ZERO, Duration.ofSeconds(30));
  }

  private static TrainingSpec spec(String model, int epochs) {
    return new TrainingSpec(
        model,
        "tiny",
        TrainingLoopTest.spec(new Objective.Iwae(2), epochs).architecture(),
        new Objective.Iwae(2),
        0.02,
        8,
        epochs,
        7,
        10);
  }

  /** Events of one watch, and its end. */
  private static final class Events {
    final BlockingQueue<JobEvent> queue = new LinkedBlockingQueue<>();
    final CompletableFuture<Throwable> end = new CompletableFuture<>();

    Events(JobManager manager, String jobId) {
      manager.watch(jobId, queue::add, e -> end.complete(e));
    }

    /** Waits for the first event matching {@code test}. */
    Job await(Predicate<Job> test) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        JobEvent e = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        assertThat(e).as("an event before the deadline").isNotNull();
        if (test.test(e.job())) {
          return e.job();
        }
      }
    }
  }

  @Test
  void submit_validSpec_runsPublishesAndStreamsToSucceeded() throws Exception {
    JobManager manager = manager(options(4, Duration.ofMinutes(1)));
    Job job = manager.submit(spec("tiny-a", 2));
    assertThat(job.state()).isEqualTo(JobState.QUEUED);
    assertThat(job.totalSteps()).isEqualTo(2 * TrainingLoop.stepsPerEpoch(50, 8));

    Events events = new Events(manager, job.id());
    Job done = events.await(j -> j.state().isTerminal());
    assertThat(events.end.get(10, TimeUnit.SECONDS)).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.step()).isEqualTo(done.totalSteps());
    assertThat(done.published().name()).isEqualTo("tiny-a");
    assertThat(done.published().version()).isEqualTo(1);
    assertThat(done.published().manifest().provenance().finalMetrics())
        .containsKeys("train_loss", "train_iwae_k2", "validation_iwae_k10");
    Path bundle = dir.resolve("models").resolve("tiny-a").resolve("1");
    assertThat(bundle.resolve(Manifest.FILE_NAME)).exists();
    assertThat(dir.resolve("jobs").resolve(job.id()).resolve(FileJobStore.CHECKPOINT_FILE))
        .doesNotExist();
    assertThat(manager.get(job.id())).isEqualTo(done);
    assertThat(manager.list()).containsExactly(done);
  }

  /** Who submitted a job is recorded in it and in each version it publishes, the next one too. */
  @Test
  void submit_bySubjects_eachVersionRecordsWhoPublishedIt() throws Exception {
    JobManager manager = manager(options(4, Duration.ofMinutes(1)));
    Job first = manager.submit(spec("tiny-p", 1), "alice");
    Job firstDone = new Events(manager, first.id()).await(j -> j.state().isTerminal());
    Job second = manager.submit(spec("tiny-p", 1), "ci-pipeline");
    Job secondDone = new Events(manager, second.id()).await(j -> j.state().isTerminal());

    assertThat(firstDone.published().version()).isEqualTo(1);
    assertThat(firstDone.published().manifest().provenance().publishedBy()).isEqualTo("alice");
    assertThat(secondDone.published().version()).isEqualTo(2);
    assertThat(secondDone.published().manifest().provenance().publishedBy())
        .isEqualTo("ci-pipeline");
    Path onDisk = dir.resolve("models").resolve("tiny-p").resolve("2").resolve(Manifest.FILE_NAME);
    assertThat(
            io.latentserve.bundle.ManifestJson.read(java.nio.file.Files.readString(onDisk))
                .provenance()
                .publishedBy())
        .isEqualTo("ci-pipeline");
    assertThat(FileJobStore.read(FileJobStore.write(secondDone)).submittedBy())
        .isEqualTo("ci-pipeline");
  }

  /**
   * A watcher whose callback throws (a broken client stream, a bug in an observer) is dropped; the
   * job, and every other watcher, go on to the end.
   */
  @Test
  void watch_callbackThrows_jobAndOtherWatchersCarryOn() throws Exception {
    JobManager manager = manager(options(4, Duration.ofMinutes(1)));
    Job job = manager.submit(spec("tiny-w", 2));
    java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();
    manager.watch(
        job.id(),
        event -> {
          if (calls.incrementAndGet() > 1) {
            throw new IllegalStateException("the watcher's client went away");
          }
        },
        end -> {
          throw new IllegalStateException("and cannot be told the end either");
        });
    Events events = new Events(manager, job.id());

    Job done = events.await(j -> j.state().isTerminal());

    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(JobState.SUCCEEDED);
    assertThat(events.end.get(10, TimeUnit.SECONDS)).isNull();
    assertThat(calls.get()).as("the failing watcher is called until it throws").isEqualTo(2);
  }

  @Test
  void submit_sameModelWhileQueuedOrRunning_conflicts() {
    JobManager manager = manager(options(4, Duration.ofMinutes(1)));
    Job first = manager.submit(spec("tiny-b", 200));
    assertThatThrownBy(() -> manager.submit(spec("tiny-b", 1)))
        .isInstanceOf(JobConflictException.class)
        .hasMessageContaining(first.id())
        .hasMessageContaining("tiny-b");
    manager.cancel(first.id());
  }

  @Test
  void submit_queueFull_capacityExceeded() throws Exception {
    JobManager manager = manager(options(1, Duration.ofMinutes(1)));
    Job running = manager.submit(spec("tiny-c", 200));
    new Events(manager, running.id()).await(j -> j.state() == JobState.RUNNING);
    Job queued = manager.submit(spec("tiny-d", 1));
    assertThat(manager.get(queued.id()).state()).isEqualTo(JobState.QUEUED);
    assertThatThrownBy(() -> manager.submit(spec("tiny-e", 1)))
        .isInstanceOf(CapacityExceededException.class)
        .hasMessage("the job queue holds 1 jobs, its limit is 1");

    Job cancelledQueued = manager.cancel(queued.id());
    assertThat(cancelledQueued.state()).isEqualTo(JobState.CANCELLED);
    assertThat(cancelledQueued.reason()).isEqualTo("cancelled before it started");
    Job cancelledRunning = manager.cancel(running.id());
    assertThat(cancelledRunning.state()).isEqualTo(JobState.CANCELLED);
    assertThat(cancelledRunning.reason()).startsWith("cancelled by request at step ");
    assertThat(dir.resolve("models").resolve("tiny-c")).doesNotExist();
    assertThat(dir.resolve("jobs").resolve(running.id()).resolve(FileJobStore.CHECKPOINT_FILE))
        .doesNotExist();
    assertThatThrownBy(() -> manager.cancel(running.id()))
        .isInstanceOf(JobStateException.class)
        .hasMessage("job " + running.id() + " has already ended: cancelled");
    assertThatThrownBy(() -> manager.cancel("no-such-job"))
        .isInstanceOf(JobNotFoundException.class)
        .hasMessage("job no-such-job not found");
  }

  @Test
  void run_nonFiniteLoss_failsAndPublishesNothing() throws Exception {
    JobManager manager = manager(options(4, Duration.ZERO));
    VaeArchitecture gaussian =
        new VaeArchitecture(
            6,
            List.of(new StochasticLayer("z1", 2, List.of(4))),
            Activation.TANH,
            LikelihoodFamily.GAUSSIAN_FIXED,
            0.5);
    Job job =
        manager.submit(
            new TrainingSpec("nan-model", "nan", gaussian, new Objective.Elbo(), 0.01, 5, 3, 1, 1));
    Job done = new Events(manager, job.id()).await(j -> j.state().isTerminal());
    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.reason()).startsWith("training diverged: loss NaN");
    assertThat(dir.resolve("models").resolve("nan-model")).doesNotExist();
    assertThat(dir.resolve("jobs").resolve(job.id()).resolve(FileJobStore.CHECKPOINT_FILE))
        .doesNotExist();
  }

  @Test
  void submit_invalidSpecs_nameTheField() {
    JobManager manager = manager(options(4, Duration.ofMinutes(1)));
    VaeArchitecture wide =
        new VaeArchitecture(
            784,
            List.of(new StochasticLayer("z1", 2, List.of())),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    assertThatThrownBy(
            () ->
                manager.submit(
                    new TrainingSpec("w", "tiny", wide, new Objective.Elbo(), 0.01, 5, 1, 1, 1)))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("the architecture takes 784 features, dataset tiny has 6")
        .extracting(e -> ((InvalidSpecException) e).field())
        .isEqualTo("spec.architecture");
    TrainingSpec huge =
        new TrainingSpec(
            "h", "tiny", spec("h", 1).architecture(), new Objective.Iwae(5000), 0.01, 100, 1, 1, 1);
    assertThatThrownBy(() -> manager.submit(huge))
        .isInstanceOf(SpecTooLargeException.class)
        .hasMessage(
            "spec.optimizer.batch_size 100 times 5000 samples is 500000 rows per step, this"
                + " trainer's limit is 10000");
    assertThat(manager.list()).isEmpty();
  }

  @Test
  void shutdownAndRestart_runningJob_resumesBitForBit() throws Exception {
    JobManager straight = manager(options(4, Duration.ZERO));
    Job reference = straight.submit(spec("tiny-ref", 4));
    Job referenceDone = new Events(straight, reference.id()).await(j -> j.state().isTerminal());
    straight.close();

    JobManager first = manager(options(4, Duration.ZERO));
    Job job = first.submit(spec("tiny-resumed", 4));
    Events events = new Events(first, job.id());
    events.await(j -> j.step() >= 10);
    assertThat(first.shutdown(WAIT)).isTrue();
    assertThat(events.end.get(10, TimeUnit.SECONDS))
        .isInstanceOf(TrainerUnavailableException.class);
    Job stopped =
        new FileJobStore(dir.resolve("jobs"))
            .loadAll().stream().filter(j -> j.id().equals(job.id())).findFirst().orElseThrow();
    assertThat(stopped.state()).isEqualTo(JobState.QUEUED);
    assertThat(stopped.reason()).contains("resumes from its last checkpoint");
    assertThat(stopped.step()).isBetween(10L, stopped.totalSteps() - 1);
    assertThatThrownBy(() -> first.submit(spec("tiny-late", 1)))
        .isInstanceOf(TrainerUnavailableException.class);

    JobManager second = manager(options(4, Duration.ZERO));
    Job done = new Events(second, job.id()).await(j -> j.state().isTerminal());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    Manifest resumed = done.published().manifest();
    Manifest expected = referenceDone.published().manifest();
    assertThat(resumed.sha256()).isEqualTo(expected.sha256());
    assertThat(resumed.provenance().finalMetrics()).isEqualTo(expected.provenance().finalMetrics());
    assertThat(Files.list(dir.resolve("models")).map(p -> p.getFileName().toString()))
        .containsExactlyInAnyOrder("tiny-ref", "tiny-resumed");
  }

  /**
   * An Error inside a training step (an OutOfMemoryError in the engine) leaves the process in an
   * unknown state: it must reach the job thread's fatal-error handler (which ends the service), not
   * be recorded as an ordinary failed job while the process carries on.
   */
  @Test
  void run_errorInATrainingStep_reachesTheFatalHandlerAndIsNotAFailedJob() throws Exception {
    OutOfMemoryError oom = new OutOfMemoryError("simulated: Java heap space");
    CompletableFuture<Throwable> fatal = new CompletableFuture<>();
    JobManager manager =
        manager(
            options(4, Duration.ZERO),
            new FaultInjectingBackend(new SameDiffBackend(), 3, () -> oom),
            new FileSystemModelRepository(dir.resolve("models")),
            (thread, error) -> fatal.complete(error));

    Job job = manager.submit(spec("tiny-oom", 2));

    assertThat(fatal.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isSameAs(oom);
    assertThat(manager.get(job.id()).state()).isEqualTo(JobState.RUNNING);
    assertThat(stored(job.id()).state())
        .as("on disk the job is still running: a restarted trainer resumes it")
        .isEqualTo(JobState.RUNNING);
    assertThat(dir.resolve("models").resolve("tiny-oom")).doesNotExist();
  }

  /**
   * A RuntimeException in a step is an ordinary failure: the job ends FAILED, the trainer goes on.
   */
  @Test
  void run_runtimeExceptionInATrainingStep_failsTheJob() throws Exception {
    CompletableFuture<Throwable> fatal = new CompletableFuture<>();
    JobManager manager =
        manager(
            options(4, Duration.ZERO),
            new FaultInjectingBackend(
                new SameDiffBackend(), 3, () -> new IllegalStateException("engine fault")),
            new FileSystemModelRepository(dir.resolve("models")),
            (thread, error) -> fatal.complete(error));

    Job job = manager.submit(spec("tiny-fault", 2));
    Job done = new Events(manager, job.id()).await(j -> j.state().isTerminal());

    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.reason())
        .isEqualTo("internal error: IllegalStateException (see the trainer's log)");
    assertThat(fatal).isNotDone();
  }

  /** The process dying: thrown where a test makes the trainer crash. */
  private static final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    SimulatedCrash() {
      super("simulated crash right after publishing");
    }
  }

  /** A real repository whose process "dies" right after a publish has landed. */
  private static ModelRepository crashingAfterPublish(ModelRepository repository) {
    return new ModelRepository() {
      @Override
      public List<String> modelNames() {
        return repository.modelNames();
      }

      @Override
      public List<Long> versions(String modelName) {
        return repository.versions(modelName);
      }

      @Override
      public io.latentserve.bundle.Bundle open(String modelName, long version) {
        return repository.open(modelName, version);
      }

      @Override
      public io.latentserve.bundle.Bundle publish(
          String modelName, Manifest manifest, Map<String, byte[]> files) {
        repository.publish(modelName, manifest, files);
        throw new SimulatedCrash();
      }
    };
  }

  /**
   * A trainer that crashes between publishing a job's bundle and recording the job's end must not
   * publish a second version when it restarts: the restarted job finds its bundle by the job id in
   * the provenance and ends with it.
   */
  @Test
  void restart_afterCrashBetweenPublishAndRecord_publishesNoSecondVersion() throws Exception {
    FileSystemModelRepository repository = new FileSystemModelRepository(dir.resolve("models"));
    CompletableFuture<Throwable> crash = new CompletableFuture<>();
    JobManager first =
        manager(
            options(4, Duration.ZERO),
            new SameDiffBackend(),
            crashingAfterPublish(repository),
            (thread, error) -> crash.complete(error));
    Job job = first.submit(spec("tiny-once", 1));
    assertThat(crash.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(SimulatedCrash.class);
    assertThat(repository.versions("tiny-once")).containsExactly(1L);
    assertThat(stored(job.id()).state()).isEqualTo(JobState.RUNNING);
    first.shutdown(WAIT);

    JobManager second =
        manager(options(4, Duration.ZERO), new SameDiffBackend(), repository, (t, e) -> {});
    Job done = new Events(second, job.id()).await(j -> j.state().isTerminal());

    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(JobState.SUCCEEDED);
    assertThat(repository.versions("tiny-once")).containsExactly(1L);
    assertThat(done.published().version()).isEqualTo(1);
    assertThat(repository.open("tiny-once", 1).manifest().provenance().jobId()).isEqualTo(job.id());
    assertThat(done.published().manifestSha256())
        .isEqualTo(repository.open("tiny-once", 1).manifestSha256());
  }

  /**
   * A job that ends the process every time it runs (an OutOfMemoryError with
   * -XX:+ExitOnOutOfMemoryError) is resumed after each restart at most {@link
   * JobManager#MAX_INTERRUPTIONS} times, then ends FAILED: no crash loop.
   */
  @Test
  void start_jobInterruptedMoreThanTheLimit_failsInsteadOfResumingAgain() throws Exception {
    Job job = null;
    for (int run = 0; run <= JobManager.MAX_INTERRUPTIONS; run++) {
      CompletableFuture<Throwable> fatal = new CompletableFuture<>();
      JobManager manager =
          manager(
              options(4, Duration.ZERO),
              new FaultInjectingBackend(
                  new SameDiffBackend(), 2, () -> new OutOfMemoryError("simulated")),
              new FileSystemModelRepository(dir.resolve("models")),
              (thread, error) -> fatal.complete(error));
      if (job == null) {
        job = manager.submit(spec("tiny-crash", 20));
      }
      assertThat(fatal.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .as("run %d ends the process", run)
          .isInstanceOf(OutOfMemoryError.class);
      assertThat(stored(job.id()).state()).isEqualTo(JobState.RUNNING);
      manager.shutdown(WAIT);
    }

    JobManager last = manager(options(4, Duration.ZERO));

    Job failed = last.get(job.id());
    assertThat(failed.state()).isEqualTo(JobState.FAILED);
    assertThat(failed.reason())
        .startsWith("the trainer stopped " + (JobManager.MAX_INTERRUPTIONS + 1) + " times");
    assertThat(stored(job.id()).state()).isEqualTo(JobState.FAILED);
    assertThat(dir.resolve("jobs").resolve(job.id()).resolve(FileJobStore.CHECKPOINT_FILE))
        .doesNotExist();
    assertThat(dir.resolve("models").resolve("tiny-crash")).doesNotExist();
  }
}
