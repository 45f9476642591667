package io.latentserve.trainer.core;

import io.latentserve.bundle.SweepOrigin;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's sweeps: each a set of ordinary jobs of a {@link JobManager}, in its queue and job
 * store, with the sweep itself recorded beside them ({@link FileJobStore#saveSweep}).
 *
 * <p>A sweep's points are submitted a few at a time: at most {@code window} of them queued or
 * running at once, the next submitted when one ends, so that a large sweep neither fills the job
 * queue (whose limit protects the trainer from single submissions) nor starves other jobs of it.
 * Every submission and every change of a point's job is recorded, so that a restarted trainer
 * ({@link #start()} after the job manager's) carries on where the last one stopped: the jobs resume
 * as jobs do, the points not yet submitted follow. A point whose job exists but was not yet
 * recorded in the sweep (the process stopped in between) is found again by the sweep origin the job
 * carries, never submitted twice.
 *
 * <p>All bookkeeping runs on one scheduler thread; job callbacks only hand work to it, since they
 * run on job threads under the job's lock.
 */
public final class SweepManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SweepManager.class);
  private static final Duration RETRY = Duration.ofSeconds(5);

  private final FileJobStore store;
  private final JobManager jobs;
  private final int window;
  private final int maxPoints;
  private final Clock clock;
  private final Map<String, Sweep> sweeps = new LinkedHashMap<>();
  private final Map<String, List<Watcher>> watchers = new HashMap<>();
  private final Map<String, Long> stepsPerEpoch = new HashMap<>();
  private final ScheduledExecutorService scheduler;
  private volatile boolean closed;

  /**
   * @param window points of one sweep queued or running at once, >= 1 (the job manager's
   *     concurrency keeps every training thread busy)
   * @param maxPoints the most points a sweep may have, >= 1
   */
  public SweepManager(FileJobStore store, JobManager jobs, int window, int maxPoints, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.jobs = Objects.requireNonNull(jobs, "jobs");
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
    if (maxPoints < 1) {
      throw new IllegalArgumentException("maxPoints must be >= 1, got " + maxPoints);
    }
    this.window = window;
    this.maxPoints = maxPoints;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sweeps");
              t.setDaemon(true);
              return t;
            });
  }

  /** The most points a sweep may have. */
  public int maxPoints() {
    return maxPoints;
  }

  /**
   * Loads the stored sweeps and carries on those not ended. Call after the job manager's {@code
   * start()}, which loads (and resumes) the points' jobs.
   */
  public SweepManager start() {
    List<Sweep> loaded = store.loadSweeps();
    synchronized (this) {
      for (Sweep sweep : loaded) {
        sweeps.put(sweep.id(), sweep);
      }
    }
    for (Sweep sweep : loaded) {
      for (SweepPoint point : sweep.points()) {
        if (point.submitted()) {
          follow(sweep.id(), point.jobId());
        }
      }
      if (!view(sweep).state().isTerminal()) {
        log.info("sweep {} ({}) carried on after a restart", sweep.id(), sweep.modelName());
      }
    }
    scheduler.execute(this::pumpAll);
    return this;
  }

  /**
   * Validates a sweep, records it and starts submitting its points.
   *
   * @throws InvalidSpecException naming the offending field
   * @throws TrainerUnavailableException if shutting down
   */
  public SweepView submit(
      TrainingSpec base, String modelName, List<SweepGroup> groups, String submittedBy) {
    checkOpen();
    List<SweepPoint> points = SweepAxes.expand(base, modelName, groups, maxPoints);
    for (SweepPoint point : points) {
      // The same limits as a job submitted alone, before any point is queued.
      jobs.checkLimits(point.spec());
    }
    var now = clock.instant();
    Sweep sweep =
        new Sweep(
            UUID.randomUUID().toString(),
            modelName,
            base,
            groups,
            points,
            false,
            now,
            now,
            submittedBy);
    synchronized (this) {
      checkOpen();
      store.saveSweep(sweep);
      sweeps.put(sweep.id(), sweep);
    }
    log.info("sweep {} ({}, {} points) submitted", sweep.id(), modelName, points.size());
    scheduler.execute(() -> pump(sweep.id()));
    return view(sweep);
  }

  /**
   * A sweep by id, with its points' jobs now.
   *
   * @throws SweepNotFoundException if no sweep has this id
   */
  public SweepView get(String sweepId) {
    return view(sweep(sweepId));
  }

  /** Every sweep, oldest first. */
  public List<SweepView> list() {
    List<Sweep> all;
    synchronized (this) {
      all = new ArrayList<>(sweeps.values());
    }
    List<SweepView> views = new ArrayList<>();
    all.forEach(s -> views.add(view(s)));
    return views;
  }

  /**
   * Cancels a sweep: no more points are submitted and every queued or running point's job is
   * cancelled (see {@link JobManager#cancel}).
   *
   * @throws SweepNotFoundException if no sweep has this id
   * @throws JobStateException if the sweep has already ended
   */
  public SweepView cancel(String sweepId) {
    Sweep sweep;
    synchronized (this) {
      sweep = sweep(sweepId);
      SweepView now = view(sweep);
      if (now.state().isTerminal()) {
        throw new JobStateException(
            "sweep " + sweepId + " has already ended: " + now.state().name().toLowerCase());
      }
      sweep = sweep.withCancelled(clock.instant());
      store.saveSweep(sweep);
      sweeps.put(sweepId, sweep);
    }
    for (SweepPoint point : sweep.points()) {
      if (point.submitted()) {
        try {
          if (!jobs.get(point.jobId()).state().isTerminal()) {
            jobs.cancel(point.jobId());
          }
        } catch (JobStateException | JobNotFoundException e) {
          // ended meanwhile
        }
      }
    }
    log.info("sweep {} cancelled", sweepId);
    SweepView view = get(sweepId);
    scheduler.execute(() -> publish(sweepId));
    return view;
  }

  /**
   * Streams a sweep: its current state first, then a new snapshot whenever a point changes; after
   * the terminal one {@code onEnd} receives null, or a {@link TrainerUnavailableException} when the
   * trainer shuts down first. Callbacks run on the sweep thread: they must not block.
   *
   * @throws SweepNotFoundException if no sweep has this id
   */
  public JobManager.Subscription watch(
      String sweepId, Consumer<SweepView> onEvent, Consumer<Throwable> onEnd) {
    sweep(sweepId);
    Watcher watcher = new Watcher(onEvent, onEnd);
    synchronized (this) {
      if (closed) {
        onEvent.accept(get(sweepId));
        onEnd.accept(new TrainerUnavailableException("the trainer is shutting down"));
        return () -> {};
      }
      watchers.computeIfAbsent(sweepId, k -> new CopyOnWriteArrayList<>()).add(watcher);
    }
    scheduler.execute(() -> publish(sweepId));
    return () -> {
      synchronized (this) {
        List<Watcher> list = watchers.get(sweepId);
        if (list != null) {
          list.remove(watcher);
        }
      }
    };
  }

  /**
   * Stops submitting points and ends every watch with {@link TrainerUnavailableException}. The
   * points' jobs are the job manager's to stop.
   */
  public void shutdown() {
    List<Watcher> all = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      watchers.values().forEach(all::addAll);
      watchers.clear();
    }
    scheduler.shutdownNow();
    for (Watcher w : all) {
      try {
        w.onEnd.accept(new TrainerUnavailableException("the trainer is shutting down"));
      } catch (RuntimeException e) {
        log.warn("a sweep watcher failed", e);
      }
    }
  }

  @Override
  public void close() {
    shutdown();
  }

  private void pumpAll() {
    List<String> ids;
    synchronized (this) {
      ids = new ArrayList<>(sweeps.keySet());
    }
    ids.forEach(this::pump);
  }

  /** Submits the sweep's next points while fewer than {@code window} are queued or running. */
  private void pump(String sweepId) {
    if (closed) {
      return;
    }
    Sweep sweep;
    synchronized (this) {
      sweep = sweeps.get(sweepId);
    }
    if (sweep == null || sweep.cancelled()) {
      publish(sweepId);
      return;
    }
    int active = 0;
    for (SweepPoint point : sweep.points()) {
      if (point.submitted() && !stateOf(point).isTerminal()) {
        active++;
      }
    }
    for (SweepPoint point : sweep.points()) {
      if (active >= window) {
        break;
      }
      if (point.submitted() || !point.failure().isEmpty()) {
        continue;
      }
      SweepOrigin origin = new SweepOrigin(sweep.id(), point.index(), point.values());
      Job job = findJob(origin);
      try {
        if (job == null) {
          job = jobs.submit(point.spec(), sweep.submittedBy(), origin);
        }
      } catch (CapacityExceededException | JobConflictException e) {
        log.info("sweep {} point {} waits: {}", sweepId, point.index(), e.getMessage());
        scheduler.schedule(() -> pump(sweepId), RETRY.toMillis(), TimeUnit.MILLISECONDS);
        break;
      } catch (TrainerUnavailableException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("sweep {} point {} cannot be submitted", sweepId, point.index(), e);
        sweep = record(sweep, point.withFailure("cannot be submitted: " + e.getMessage()));
        continue;
      }
      sweep = record(sweep, point.withJob(job.id()));
      follow(sweepId, job.id());
      active++;
    }
    publish(sweepId);
  }

  private Sweep record(Sweep sweep, SweepPoint point) {
    Sweep updated = sweep.withPoint(point, clock.instant());
    synchronized (this) {
      store.saveSweep(updated);
      sweeps.put(updated.id(), updated);
    }
    return updated;
  }

  /** The job already submitted for this point, if any (see the class comment). */
  private Job findJob(SweepOrigin origin) {
    for (Job job : jobs.list()) {
      if (job.sweep() != null
          && job.sweep().sweepId().equals(origin.sweepId())
          && job.sweep().index() == origin.index()) {
        return job;
      }
    }
    return null;
  }

  /** Forwards the job's changes to the sweep's watchers and, once it ends, submits the next. */
  private void follow(String sweepId, String jobId) {
    try {
      jobs.watch(
          jobId,
          event -> submitQuietly(() -> publish(sweepId)),
          cause -> {
            if (cause == null) {
              submitQuietly(() -> pump(sweepId));
            }
          });
    } catch (JobNotFoundException e) {
      log.warn("sweep {}: job {} of a point is gone from the store", sweepId, jobId);
    }
  }

  private void submitQuietly(Runnable task) {
    if (!closed) {
      try {
        scheduler.execute(task);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shutting down
      }
    }
  }

  /** Sends the sweep's snapshot to its watchers, and ends their watches once it has ended. */
  private void publish(String sweepId) {
    List<Watcher> list;
    Sweep sweep;
    synchronized (this) {
      sweep = sweeps.get(sweepId);
      List<Watcher> current = watchers.get(sweepId);
      if (sweep == null || current == null || current.isEmpty()) {
        return;
      }
      list = new ArrayList<>(current);
    }
    SweepView view = view(sweep);
    for (Watcher w : list) {
      try {
        w.onEvent.accept(view);
        if (view.state().isTerminal()) {
          w.onEnd.accept(null);
        }
      } catch (RuntimeException e) {
        log.warn("sweep {}: a watcher failed and no longer receives events", sweepId, e);
        view = view(sweep);
        removeWatcher(sweepId, w);
        continue;
      }
      if (view.state().isTerminal()) {
        removeWatcher(sweepId, w);
      }
    }
  }

  private synchronized void removeWatcher(String sweepId, Watcher w) {
    List<Watcher> list = watchers.get(sweepId);
    if (list != null) {
      list.remove(w);
    }
  }

  private JobState stateOf(SweepPoint point) {
    try {
      return jobs.get(point.jobId()).state();
    } catch (JobNotFoundException e) {
      return JobState.FAILED;
    }
  }

  private SweepView view(Sweep sweep) {
    List<Job> pointJobs = new ArrayList<>();
    List<JobState> states = new ArrayList<>();
    long step = 0;
    long total = 0;
    boolean anyStarted = false;
    String firstFailure = "";
    for (SweepPoint point : sweep.points()) {
      Job job = null;
      JobState state;
      if (point.submitted()) {
        try {
          job = jobs.get(point.jobId());
          state = job.state();
        } catch (JobNotFoundException e) {
          state = JobState.FAILED;
          firstFailure =
              firstFailure.isEmpty() ? "point " + point.index() + ": job lost" : firstFailure;
        }
      } else if (!point.failure().isEmpty()) {
        state = JobState.FAILED;
      } else {
        state = sweep.cancelled() ? JobState.CANCELLED : JobState.QUEUED;
      }
      if (state == JobState.FAILED && firstFailure.isEmpty()) {
        firstFailure =
            "point " + point.index() + " failed: " + (job != null ? job.reason() : point.failure());
      }
      if (job != null) {
        step += job.step();
        total += job.totalSteps();
        anyStarted |= job.state() != JobState.QUEUED;
      } else {
        total += (long) point.spec().epochs() * stepsPerEpoch(point.spec());
      }
      pointJobs.add(job);
      states.add(state);
    }
    boolean allEnded = states.stream().allMatch(JobState::isTerminal);
    JobState state;
    String reason = "";
    if (!allEnded) {
      state = anyStarted ? JobState.RUNNING : JobState.QUEUED;
    } else if (sweep.cancelled()) {
      state = JobState.CANCELLED;
      reason = "cancelled by request";
    } else if (states.stream().allMatch(s -> s == JobState.SUCCEEDED)) {
      state = JobState.SUCCEEDED;
    } else if (!firstFailure.isEmpty()) {
      state = JobState.FAILED;
      reason = firstFailure;
    } else {
      state = JobState.CANCELLED;
      reason = "a point's job was cancelled";
    }
    return new SweepView(sweep, pointJobs, states, state, reason, step, total);
  }

  private long stepsPerEpoch(TrainingSpec spec) {
    String key = spec.dataset() + "/" + spec.batchSize();
    synchronized (stepsPerEpoch) {
      Long cached = stepsPerEpoch.get(key);
      if (cached != null) {
        return cached;
      }
    }
    long steps;
    try {
      steps =
          TrainingLoop.stepsPerEpoch(
              jobs.datasetShape(spec.dataset()).trainExamples(), spec.batchSize());
    } catch (RuntimeException e) {
      return 0;
    }
    synchronized (stepsPerEpoch) {
      stepsPerEpoch.put(key, steps);
    }
    return steps;
  }

  private synchronized Sweep sweep(String sweepId) {
    Sweep s = sweepId == null ? null : sweeps.get(sweepId);
    if (s == null) {
      throw new SweepNotFoundException(sweepId);
    }
    return s;
  }

  private void checkOpen() {
    if (closed) {
      throw new TrainerUnavailableException("the trainer is shutting down");
    }
  }

  private record Watcher(Consumer<SweepView> onEvent, Consumer<Throwable> onEnd) {}
}
