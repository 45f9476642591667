package io.latentserve.evaluator.core;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluations of this evaluator: each {@linkplain #start started} under a new id, run on the
 * evaluations executor with its caller's context, tracked with its progress while it runs, stopped
 * when it is {@linkplain #cancel cancelled} or its caller stops waiting, and its report stored at
 * the end. At most {@code maxConcurrent} run at once; more are refused, not queued.
 */
public final class EvaluationService {
  private static final Logger log = LoggerFactory.getLogger(EvaluationService.class);
  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final Evaluator evaluator;
  private final ReportRepository reports;
  private final Executor evaluations;
  private final Executor inferenceCalls;
  private final EvaluationListener listener;
  private final Semaphore permits;
  private final int maxConcurrent;
  private final Clock clock;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final Object idle = new Object();

  /**
   * @param evaluator runs evaluations
   * @param reports where reports are stored and read
   * @param evaluations runs each evaluation's pipeline; needs {@code maxConcurrent} threads
   * @param inferenceCalls runs the inference calls of every evaluation
   * @param maxConcurrent evaluations running at once; more are refused
   * @param listener observes every evaluation, e.g. for metrics
   * @param clock dates the evaluation ids
   */
  public EvaluationService(
      Evaluator evaluator,
      ReportRepository reports,
      Executor evaluations,
      Executor inferenceCalls,
      int maxConcurrent,
      EvaluationListener listener,
      Clock clock) {
    this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
    this.reports = Objects.requireNonNull(reports, "reports");
    this.evaluations = Objects.requireNonNull(evaluations, "evaluations");
    this.inferenceCalls = Objects.requireNonNull(inferenceCalls, "inferenceCalls");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("maxConcurrent must be >= 1, got " + maxConcurrent);
    }
    this.maxConcurrent = maxConcurrent;
    this.permits = new Semaphore(maxConcurrent);
  }

  /**
   * Validates a request and starts its evaluation on a background thread; the caller hears of its
   * progress and its end.
   *
   * @return the new evaluation's id
   * @throws InvalidEvaluationException naming the invalid field
   * @throws TooManyEvaluationsException if {@code maxConcurrent} evaluations are running
   * @throws EvaluatorUnavailableException if the evaluations executor takes no more work
   */
  public String start(EvaluationRequest request, EvaluationCaller caller) {
    Objects.requireNonNull(caller, "caller");
    evaluator.validate(request);
    if (!permits.tryAcquire()) {
      throw new TooManyEvaluationsException(
          maxConcurrent + " evaluations are running, the limit; retry when one finishes");
    }
    String id = newId();
    Running run = new Running(request, caller);
    running.put(id, run);
    caller.onAccepted(id);
    try {
      caller.onBehalf(evaluations).execute(() -> run(id, run));
    } catch (RejectedExecutionException e) {
      finished(id);
      throw new EvaluatorUnavailableException("the evaluator is shutting down");
    }
    return id;
  }

  /**
   * Asks a running evaluation to stop; it ends CANCELLED at its next check.
   *
   * @return whether an evaluation with this id was running
   */
  public boolean cancel(String evaluationId) {
    Running run = running.get(evaluationId);
    if (run == null) {
      return false;
    }
    run.cancelRequested = true;
    return true;
  }

  /** Where a running evaluation stands; empty once it has ended, or before its first progress. */
  public Optional<Progress> progress(String evaluationId) {
    Running run = running.get(evaluationId);
    return run == null ? Optional.empty() : Optional.ofNullable(run.progress);
  }

  /** Evaluations running now. */
  public int running() {
    return running.size();
  }

  /** A finished evaluation's stored report, or empty when there is none with this id. */
  public Optional<StoredReport> get(String evaluationId) throws IOException {
    return reports.load(evaluationId).map(r -> new StoredReport(r, reports.files(evaluationId)));
  }

  /**
   * The stored reports, newest first.
   *
   * @param modelName only this model's reports; every report when empty
   */
  public List<StoredReport> list(String modelName) throws IOException {
    List<StoredReport> stored = new ArrayList<>();
    for (EvaluationReport r : reports.list()) {
      if (modelName.isEmpty() || modelName.equals(r.model().name())) {
        stored.add(new StoredReport(r, reports.files(r.evaluationId())));
      }
    }
    return stored;
  }

  /**
   * Waits until no evaluation is running.
   *
   * @return whether that happened within {@code timeout}
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (idle) {
      while (!running.isEmpty()) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(idle, left);
      }
    }
    return true;
  }

  private void run(String id, Running run) {
    EvaluationRequest request = run.request;
    EvaluationCaller caller = run.caller;
    long start = System.nanoTime();
    listener.onStarted(id, request.model().name());
    // The caller hears of the end only after the evaluation's slot is free again, so that a caller
    // who starts the next evaluation as soon as this one answers never finds the slot still taken.
    Runnable end;
    try {
      log.info(
          "evaluation {} of {} on {} started, k={}",
          id,
          request.model(),
          request.dataDescription(),
          request.k());
      EvaluationOutcome outcome =
          evaluator.evaluate(
              id,
              request,
              caller.onBehalf(inferenceCalls),
              p -> {
                run.progress = p;
                listener.onProgress(id, p);
                caller.onProgress(p);
              },
              () -> run.cancelRequested || caller.stopped().isPresent());
      ReportFiles files = reports.save(outcome);
      EvaluationReport report = outcome.report();
      log.info("evaluation {} done in {}: report {}", id, report.wallTime(), files.html());
      listener.onFinished(
          id, EvaluationListener.Outcome.SUCCEEDED, report.examples(), since(start));
      StoredReport stored = new StoredReport(report, files);
      end = () -> caller.onSucceeded(stored);
    } catch (IOException e) {
      log.error("evaluation {}: cannot store its report", id, e);
      listener.onFinished(id, EvaluationListener.Outcome.FAILED, 0, since(start));
      ReportNotStoredException error =
          new ReportNotStoredException("evaluation " + id + ": cannot store the report", e);
      end = () -> caller.onFailed(error);
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError fatal) {
        // Out of memory (or stack): not an evaluation's failure but the process's; it must end
        // (services run with -XX:+ExitOnOutOfMemoryError), so the error is never swallowed here.
        throw fatal;
      }
      EvaluationListener.Outcome outcome = caller.stopped().orElseGet(() -> outcome(e));
      log.info("evaluation {} ended {}: {}", id, outcome, e.toString());
      listener.onFinished(id, outcome, 0, since(start));
      end = () -> caller.onFailed(e);
    } finally {
      finished(id);
    }
    end.run();
  }

  /** How an evaluation that threw {@code e} ended, while its caller still waited. */
  private static EvaluationListener.Outcome outcome(Throwable e) {
    if (e instanceof EvaluationCancelledException) {
      return EvaluationListener.Outcome.CANCELLED;
    }
    if (e instanceof InferenceException ie) {
      return switch (ie.reason()) {
        case CANCELLED -> EvaluationListener.Outcome.CANCELLED;
        case DEADLINE_EXCEEDED -> EvaluationListener.Outcome.DEADLINE_EXCEEDED;
        default -> EvaluationListener.Outcome.FAILED;
      };
    }
    return EvaluationListener.Outcome.FAILED;
  }

  private void finished(String id) {
    permits.release();
    synchronized (idle) {
      running.remove(id);
      idle.notifyAll();
    }
  }

  private static Duration since(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos);
  }

  private String newId() {
    return "eval-"
        + ID_TIME.format(clock.instant())
        + "-"
        + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
  }

  /** A running evaluation's state. */
  private static final class Running {
    final EvaluationRequest request;
    final EvaluationCaller caller;
    volatile Progress progress;
    volatile boolean cancelRequested;

    Running(EvaluationRequest request, EvaluationCaller caller) {
      this.request = request;
      this.caller = caller;
    }
  }
}
