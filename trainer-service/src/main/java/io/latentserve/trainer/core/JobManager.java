package io.latentserve.trainer.core;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.SweepOrigin;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's jobs: a bounded queue worked by {@link JobManagerOptions#concurrency()} threads,
 * each job's state and checkpoints on disk ({@link FileJobStore}), cancellation, progress streams
 * and recovery after a restart.
 *
 * <p>A job runs {@link TrainingLoop} and, once trained, {@link BundlePublisher}: nothing reaches
 * the model repository unless the whole run succeeds, and a job publishes at most one version, even
 * when the trainer crashed after publishing and resumes it. A job whose loss turns non-finite ends
 * FAILED and its checkpoint is removed. {@link #shutdown(Duration)} stops running jobs at their
 * next step boundary, checkpoints them and leaves them QUEUED on disk; {@link #start()} of a new
 * manager over the same store queues them again, and each resumes from its checkpoint, bit for bit
 * (see {@link TrainingLoop}).
 *
 * <p>An {@link Error} (an {@link OutOfMemoryError} above all) is never caught as a failed job: the
 * process's state is unknown after one, so it leaves the job thread to the {@code fatalErrors}
 * handler, which in the service ends the process so that its supervisor (Kubernetes) restarts it;
 * the job, still RUNNING on disk, then resumes from its last checkpoint (at most {@link
 * #MAX_INTERRUPTIONS} times).
 */
public final class JobManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobManager.class);

  /** Times a job may be resumed after the process stopped while running it. */
  public static final int MAX_INTERRUPTIONS = 3;

  private final FileJobStore store;
  private final DatasetSource datasets;
  private final TrainingBackend backend;
  private final BundlePublisher publisher;
  private final JobManagerOptions options;
  private final TrainerListener listener;
  private final Clock clock;
  private final Map<String, Handle> handles = new LinkedHashMap<>();
  private final ExecutorService workers;
  private boolean started;
  private volatile boolean closed;

  /** A manager whose job threads log an {@link Error} and die (see the other constructor). */
  public JobManager(
      FileJobStore store,
      DatasetSource datasets,
      TrainingBackend backend,
      BundlePublisher publisher,
      JobManagerOptions options,
      TrainerListener listener,
      Clock clock) {
    this(
        store,
        datasets,
        backend,
        publisher,
        options,
        listener,
        clock,
        (thread, error) -> log.error("{} died of an uncaught error", thread.getName(), error));
  }

  /**
   * @param fatalErrors receives what escapes a job thread: an {@link Error} thrown while a job runs
   *     (never caught as the job's failure); the service's handler ends the process
   */
  public JobManager(
      FileJobStore store,
      DatasetSource datasets,
      TrainingBackend backend,
      BundlePublisher publisher,
      JobManagerOptions options,
      TrainerListener listener,
      Clock clock,
      Thread.UncaughtExceptionHandler fatalErrors) {
    Objects.requireNonNull(fatalErrors, "fatalErrors");
    this.store = Objects.requireNonNull(store, "store");
    this.datasets = Objects.requireNonNull(datasets, "datasets");
    this.backend = Objects.requireNonNull(backend, "backend");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.options = Objects.requireNonNull(options, "options");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.clock = Objects.requireNonNull(clock, "clock");
    AtomicInteger n = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            options.concurrency(),
            r -> {
              Thread t = new Thread(r, "training-" + n.incrementAndGet());
              t.setDaemon(true);
              t.setUncaughtExceptionHandler(fatalErrors);
              return t;
            });
  }

  /**
   * Loads the stored jobs and queues again those that were queued or running when the last process
   * stopped.
   */
  public synchronized JobManager start() {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    for (Job job : store.loadAll()) {
      Handle handle = new Handle(job);
      handles.put(job.id(), handle);
      if (job.state() == JobState.RUNNING && !resumable(handle)) {
        continue;
      }
      if (!job.state().isTerminal()) {
        Job queued =
            job.withState(
                JobState.QUEUED,
                "queued again after a restart; resumes from its last checkpoint",
                clock.instant());
        handle.job = queued;
        store.save(queued);
        workers.execute(() -> run(handle));
        log.info("job {} ({}) queued again after a restart", job.id(), job.spec().modelName());
      }
    }
    return this;
  }

  /**
   * Whether a job found RUNNING at start (the process stopped while running it: a crash, a kill, an
   * OutOfMemoryError ending the process) may resume: not after {@link #MAX_INTERRUPTIONS} such
   * stops, so that a job that brings the trainer down cannot do so forever (a crash loop that would
   * also starve every other job); it ends FAILED instead.
   */
  private boolean resumable(Handle handle) {
    Job job = handle.job;
    int interruptions = store.countInterruption(job.id());
    if (interruptions <= MAX_INTERRUPTIONS) {
      return true;
    }
    String reason =
        "the trainer stopped "
            + interruptions
            + " times while running this job (last at step "
            + job.step()
            + "); it is not resumed again: see the trainer's log (an OutOfMemoryError ends the"
            + " process)";
    log.error("job {} ({}) failed: {}", job.id(), job.spec().modelName(), reason);
    store.deleteCheckpoint(job.id());
    handle.job = job.withState(JobState.FAILED, reason, clock.instant());
    store.save(handle.job);
    listener.onFinished(handle.job);
    return false;
  }

  /**
   * Validates and queues a job.
   *
   * @throws InvalidSpecException naming the invalid field
   * @throws SpecTooLargeException if the model exceeds a {@link JobManagerOptions#limits() limit}
   *     or a step would exceed {@link JobManagerOptions#maxStepSamples()}
   * @throws DatasetUnavailableException if the data set's files are missing
   * @throws JobConflictException if a job for the same model name is queued or running
   * @throws CapacityExceededException if the queue is full
   * @throws TrainerUnavailableException if shutting down
   */
  public Job submit(TrainingSpec spec) {
    return submit(spec, "");
  }

  /**
   * As {@link #submit(TrainingSpec)}, for {@code submittedBy} (the caller's subject; empty if
   * unknown), who is recorded in the job and in the provenance of the version it publishes.
   */
  public Job submit(TrainingSpec spec, String submittedBy) {
    return submit(spec, submittedBy, null);
  }

  /**
   * As {@link #submit(TrainingSpec, String)}, for a point of a sweep ({@code sweep} null for a job
   * alone): the job and the provenance of the version it publishes record the sweep.
   */
  public Job submit(TrainingSpec spec, String submittedBy, SweepOrigin sweep) {
    checkOpen();
    DatasetSource.Shape shape = checkLimits(spec);
    long totalSteps =
        (long) TrainingLoop.stepsPerEpoch(shape.trainExamples(), spec.batchSize()) * spec.epochs();
    Handle handle;
    Job queuedJob;
    synchronized (this) {
      checkOpen();
      int queued = 0;
      for (Handle h : handles.values()) {
        Job j = h.job;
        if (!j.state().isTerminal() && j.spec().modelName().equals(spec.modelName())) {
          throw new JobConflictException(
              "job "
                  + j.id()
                  + " for model "
                  + spec.modelName()
                  + " is already "
                  + j.state().name().toLowerCase(Locale.ROOT));
        }
        if (j.state() == JobState.QUEUED) {
          queued++;
        }
      }
      if (queued >= options.maxQueuedJobs()) {
        throw new CapacityExceededException(
            "the job queue holds " + queued + " jobs, its limit is " + options.maxQueuedJobs());
      }
      Instant now = clock.instant();
      Job job =
          new Job(
              UUID.randomUUID().toString(),
              spec,
              JobState.QUEUED,
              "",
              0,
              0,
              totalSteps,
              null,
              null,
              now,
              now,
              submittedBy,
              sweep);
      store.save(job);
      queuedJob = job;
      handle = new Handle(job);
      handles.put(job.id(), handle);
    }
    log.info("job {} queued: {}", queuedJob.id(), TrainingSpecJson.write(spec));
    workers.execute(() -> run(handle));
    // The job as queued: a worker may already have moved the handle on to RUNNING.
    return queuedJob;
  }

  /**
   * Checks what {@link #submit} checks of a spec beyond its own validation, without queueing it:
   * the resource limits, the rows of one step and the data set's shape.
   *
   * @return the data set's shape
   * @throws SpecTooLargeException if the spec exceeds a limit
   * @throws InvalidSpecException if the architecture does not fit the data set
   * @throws DatasetUnavailableException if the data set's files are missing
   */
  public DatasetSource.Shape checkLimits(TrainingSpec spec) {
    options.limits().check(spec);
    if (spec.rowsPerStep() > options.maxStepSamples()) {
      throw new SpecTooLargeException(
          "spec.optimizer.batch_size",
          "spec.optimizer.batch_size "
              + spec.batchSize()
              + " times "
              + spec.objective().samples()
              + " samples is "
              + spec.rowsPerStep()
              + " rows per step, this trainer's limit is "
              + options.maxStepSamples());
    }
    DatasetSource.Shape shape = datasets.describe(spec.dataset());
    if (shape.dimension() != spec.architecture().inputDim()) {
      throw new InvalidSpecException(
          "spec.architecture",
          "the architecture takes "
              + spec.architecture().inputDim()
              + " features, dataset "
              + spec.dataset()
              + " has "
              + shape.dimension());
    }
    return shape;
  }

  /**
   * The shape of a data set, e.g. to size an architecture's input before building a spec.
   *
   * @throws InvalidSpecException if the name is empty or unknown (field {@code spec.dataset})
   * @throws DatasetUnavailableException if its files are missing
   */
  public DatasetSource.Shape datasetShape(String dataset) {
    if (dataset == null || dataset.isBlank()) {
      throw new InvalidSpecException("spec.dataset", "spec.dataset is required, got empty");
    }
    return datasets.describe(dataset);
  }

  /**
   * A job by id.
   *
   * @throws JobNotFoundException if no job has this id
   */
  public Job get(String jobId) {
    return handle(jobId).job;
  }

  /** Every job, oldest first. */
  public synchronized List<Job> list() {
    List<Job> jobs = new ArrayList<>();
    for (Handle h : handles.values()) {
      jobs.add(h.job);
    }
    return jobs;
  }

  /** Jobs in {@code state} now. */
  public synchronized int count(JobState state) {
    int n = 0;
    for (Handle h : handles.values()) {
      if (h.job.state() == state) {
        n++;
      }
    }
    return n;
  }

  /**
   * Cancels a queued job at once, or a running one at its next step boundary, waiting up to {@link
   * JobManagerOptions#cancelWait()} for it to stop.
   *
   * @return the job after cancellation (RUNNING if it did not stop within the wait)
   * @throws JobNotFoundException if no job has this id
   * @throws JobStateException if the job has already ended
   */
  public Job cancel(String jobId) {
    Handle handle = handle(jobId);
    synchronized (handle) {
      Job job = handle.job;
      if (job.state().isTerminal()) {
        throw new JobStateException(
            "job " + jobId + " has already ended: " + job.state().name().toLowerCase(Locale.ROOT));
      }
      handle.cancelRequested = true;
      if (job.state() == JobState.QUEUED) {
        finish(handle, job.withState(JobState.CANCELLED, "cancelled before it started", now()));
        return handle.job;
      }
    }
    try {
      handle.awaitTerminal(options.cancelWait());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return handle.job;
  }

  /** A subscription to a job's events; closing it stops them. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Streams a job's events: the current state first, then every change; after the terminal event
   * {@code onEnd} receives null. When the manager shuts down first, {@code onEnd} receives a {@link
   * TrainerUnavailableException}. Callbacks run on job threads while the job is locked: they must
   * not block.
   *
   * @throws JobNotFoundException if no job has this id
   */
  public Subscription watch(String jobId, Consumer<JobEvent> onEvent, Consumer<Throwable> onEnd) {
    Handle handle = handle(jobId);
    Watcher watcher = new Watcher(onEvent, onEnd);
    synchronized (handle) {
      onEvent.accept(new JobEvent(handle.job));
      if (handle.job.state().isTerminal()) {
        onEnd.accept(null);
        return () -> {};
      }
      if (closed) {
        onEnd.accept(new TrainerUnavailableException("the trainer is shutting down"));
        return () -> {};
      }
      handle.watchers.add(watcher);
    }
    return () -> handle.watchers.remove(watcher);
  }

  /**
   * Stops taking work, stops running jobs at their next step boundary (checkpointed, left QUEUED on
   * disk so that the next start resumes them) and ends every watch with {@link
   * TrainerUnavailableException}. Blocks until the jobs have stopped or {@code timeout} has passed.
   *
   * @return whether every job thread stopped in time
   */
  public boolean shutdown(Duration timeout) {
    List<Handle> all;
    synchronized (this) {
      if (closed) {
        return workers.isTerminated();
      }
      closed = true;
      all = new ArrayList<>(handles.values());
    }
    for (Handle h : all) {
      h.suspendRequested = true;
    }
    workers.shutdown();
    boolean stopped;
    try {
      stopped = workers.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = false;
    }
    if (!stopped) {
      log.warn("training threads still busy {} after shutdown began", timeout);
    }
    for (Handle h : all) {
      synchronized (h) {
        for (Watcher w : h.watchers) {
          end(h, w, new TrainerUnavailableException("the trainer is shutting down"));
        }
        h.watchers.clear();
      }
    }
    return stopped;
  }

  /** Waits until every job thread has stopped after {@link #shutdown}. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    return workers.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(30));
  }

  private void run(Handle handle) {
    String id = handle.job.id();
    TrainingSpec spec = handle.job.spec();
    synchronized (handle) {
      if (handle.job.state() != JobState.QUEUED) {
        return; // cancelled while queued
      }
      if (closed) {
        return; // stays QUEUED on disk; the next start picks it up
      }
      update(handle, handle.job.withState(JobState.RUNNING, "", now()));
    }
    log.info("job {} ({}) running", id, spec.modelName());
    long[] stepsSeen = {handle.job.step()};
    try {
      TrainingData data = datasets.load(spec.dataset());
      TrainingLoop loop =
          new TrainingLoop(
              spec,
              data,
              backend,
              store.checkpoints(id),
              options.checkpointInterval(),
              options.progressInterval(),
              System::nanoTime);
      TrainingResult result =
          loop.run(
              progress -> {
                long delta = progress.step() - stepsSeen[0];
                if (delta > 0) {
                  listener.onSteps(spec.modelName(), delta);
                  stepsSeen[0] = progress.step();
                }
                if (progress.lagrangian() != null) {
                  listener.onLagrangian(spec.modelName(), progress.lagrangian());
                }
                synchronized (handle) {
                  update(handle, handle.job.withProgress(progress, now()));
                }
              },
              () -> handle.cancelRequested || handle.suspendRequested);
      if (handle.cancelRequested) {
        throw new JobCancelledException("cancelled after training, before publishing");
      }
      Bundle bundle = publisher.publish(handle.job, result, clock.instant());
      PublishedModel published =
          new PublishedModel(
              bundle.modelName(), bundle.version(), bundle.manifest(), bundle.manifestSha256());
      store.deleteCheckpoint(id);
      synchronized (handle) {
        finish(handle, handle.job.withPublished(published, now()));
      }
      log.info("job {} succeeded: published {}/{}", id, bundle.modelName(), bundle.version());
    } catch (JobCancelledException e) {
      synchronized (handle) {
        if (handle.suspendRequested && !handle.cancelRequested) {
          update(
              handle,
              handle.job.withState(
                  JobState.QUEUED,
                  "stopped by a shutdown at step "
                      + handle.job.step()
                      + "; resumes from its last checkpoint when the trainer restarts",
                  now()));
          log.info("job {} stopped by shutdown at step {}", id, handle.job.step());
        } else {
          store.deleteCheckpoint(id);
          finish(
              handle,
              handle.job.withState(
                  JobState.CANCELLED, "cancelled by request at step " + handle.job.step(), now()));
          log.info("job {} cancelled at step {}", id, handle.job.step());
        }
      }
    } catch (NonFiniteLossException e) {
      fail(handle, "training diverged: " + e.getMessage());
    } catch (DatasetUnavailableException e) {
      fail(handle, e.getMessage());
    } catch (IOException e) {
      fail(handle, "cannot read dataset " + spec.dataset() + ": " + e.getMessage());
    } catch (RuntimeException e) {
      // An Error is not caught here: see the class comment.
      log.error("job {} failed", id, e);
      fail(handle, "internal error: " + e.getClass().getSimpleName() + " (see the trainer's log)");
    }
  }

  private void fail(Handle handle, String reason) {
    log.warn("job {} failed: {}", handle.job.id(), reason);
    try {
      store.deleteCheckpoint(handle.job.id());
    } catch (RuntimeException e) {
      log.warn("cannot delete the checkpoint of job {}", handle.job.id(), e);
    }
    synchronized (handle) {
      finish(handle, handle.job.withState(JobState.FAILED, reason, now()));
    }
  }

  /** Records and announces a non-terminal change; the caller holds the handle's lock. */
  private void update(Handle handle, Job job) {
    handle.job = job;
    store.save(job);
    JobEvent event = new JobEvent(job);
    for (Watcher w : handle.watchers) {
      try {
        w.onEvent.accept(event);
      } catch (RuntimeException e) {
        dropWatcher(handle, w, e);
      }
    }
  }

  /** Tells a watcher its watch ended ({@code cause} null for the job's end). */
  private void end(Handle handle, Watcher w, Throwable cause) {
    try {
      w.onEnd.accept(cause);
    } catch (RuntimeException e) {
      dropWatcher(handle, w, e);
    }
  }

  /**
   * Drops a watcher whose callback threw: a watcher's failure (a client stream gone bad, a bug in
   * an observer) must never reach the job's thread, which would fail a training job for it.
   */
  private void dropWatcher(Handle handle, Watcher w, RuntimeException e) {
    handle.watchers.remove(w);
    log.warn("job {}: a watcher failed and no longer receives events", handle.job.id(), e);
  }

  /** Records and announces the terminal state; the caller holds the handle's lock. */
  private void finish(Handle handle, Job job) {
    update(handle, job);
    for (Watcher w : handle.watchers) {
      end(handle, w, null);
    }
    handle.watchers.clear();
    handle.notifyAll();
    listener.onFinished(job);
  }

  private synchronized Handle handle(String jobId) {
    Handle h = jobId == null ? null : handles.get(jobId);
    if (h == null) {
      throw new JobNotFoundException(jobId);
    }
    return h;
  }

  private void checkOpen() {
    if (closed) {
      throw new TrainerUnavailableException("the trainer is shutting down");
    }
  }

  private Instant now() {
    return clock.instant();
  }

  private record Watcher(Consumer<JobEvent> onEvent, Consumer<Throwable> onEnd) {}

  /** A job's mutable state; its fields change under its own lock. */
  private static final class Handle {
    volatile Job job;
    volatile boolean cancelRequested;
    volatile boolean suspendRequested;
    final List<Watcher> watchers = new CopyOnWriteArrayList<>();

    Handle(Job job) {
      this.job = job;
    }

    synchronized void awaitTerminal(Duration timeout) throws InterruptedException {
      long end = System.nanoTime() + timeout.toNanos();
      while (!job.state().isTerminal()) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
  }
}
