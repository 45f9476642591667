package io.latentserve.evaluator.grpc;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.latentserve.evaluator.core.EvaluationOutcome;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.InvalidEvaluationException;
import io.latentserve.evaluator.core.Progress;
import io.latentserve.evaluator.report.ReportFiles;
import io.latentserve.evaluator.report.ReportStore;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.GetEvaluationRequest;
import io.latentserve.proto.v1.GetEvaluationResponse;
import io.latentserve.proto.v1.ListEvaluationsRequest;
import io.latentserve.proto.v1.ListEvaluationsResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Evaluator service. Evaluate validates the request, then runs the evaluation on a background
 * thread that carries the call's {@link Context}: inference calls inherit its deadline and are
 * cancelled with it, so a client that cancels or whose deadline passes stops the work. Progress is
 * streamed at most every {@value #PROGRESS_INTERVAL_MILLIS} ms (and at every phase change); the
 * report, stored on disk first, comes last.
 */
public final class EvaluatorGrpcService extends EvaluatorGrpc.EvaluatorImplBase {
  private static final Logger log = LoggerFactory.getLogger(EvaluatorGrpcService.class);
  static final long PROGRESS_INTERVAL_MILLIS = 200;
  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final Evaluator evaluator;
  private final ReportStore store;
  private final ExecutorService evaluations;
  private final ExecutorService inferenceCalls;
  private final EvaluationListener listener;
  private final Semaphore permits;
  private final int maxConcurrent;
  private final Clock clock;
  private final AtomicInteger running = new AtomicInteger();
  private final Object idle = new Object();

  /**
   * @param evaluator runs evaluations
   * @param store where reports are written and read
   * @param evaluations runs each evaluation's pipeline; needs {@code maxConcurrent} threads
   * @param inferenceCalls runs the inference calls of every evaluation
   * @param maxConcurrent evaluations running at once; more get RESOURCE_EXHAUSTED
   */
  public EvaluatorGrpcService(
      Evaluator evaluator,
      ReportStore store,
      ExecutorService evaluations,
      ExecutorService inferenceCalls,
      int maxConcurrent,
      EvaluationListener listener,
      Clock clock) {
    this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
    this.store = Objects.requireNonNull(store, "store");
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

  /** Evaluations running now. */
  public int running() {
    return running.get();
  }

  /**
   * Waits until no evaluation is running.
   *
   * @return whether that happened within {@code timeout}
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (idle) {
      while (running.get() > 0) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(idle, left);
      }
    }
    return true;
  }

  @Override
  public void evaluate(EvaluateRequest request, StreamObserver<EvaluateEvent> responseObserver) {
    ServerCallStreamObserver<EvaluateEvent> observer =
        (ServerCallStreamObserver<EvaluateEvent>) responseObserver;
    EvaluationRequest core;
    try {
      core = ProtoMapping.request(request);
      evaluator.validate(core);
    } catch (InvalidEvaluationException e) {
      observer.onError(
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    if (!permits.tryAcquire()) {
      observer.onError(
          Status.RESOURCE_EXHAUSTED
              .withDescription(
                  maxConcurrent + " evaluations are running, the limit; retry when one finishes")
              .asRuntimeException());
      return;
    }
    String id = newId();
    Context context = Context.current();
    // Without a handler, onNext after cancellation throws; with one, the work notices through the
    // context instead.
    observer.setOnCancelHandler(() -> log.info("evaluation {} cancelled by its caller", id));
    running.incrementAndGet();
    try {
      evaluations.execute(context.wrap(() -> run(id, core, context, observer)));
    } catch (RejectedExecutionException e) {
      finished();
      observer.onError(
          Status.UNAVAILABLE
              .withDescription("the evaluator is shutting down")
              .asRuntimeException());
    }
  }

  private void run(
      String id,
      EvaluationRequest request,
      Context context,
      ServerCallStreamObserver<EvaluateEvent> observer) {
    long start = System.nanoTime();
    listener.onStarted(id, request.model().name());
    ProgressSender progress = new ProgressSender(id, observer, listener);
    // The call ends only after the evaluation's slot is free again, so that a caller who starts the
    // next evaluation as soon as this one answers never finds the slot still taken.
    Runnable endCall;
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
              context.fixedContextExecutor(inferenceCalls),
              progress,
              context::isCancelled);
      ReportFiles files = store.save(outcome);
      EvaluationReport report = outcome.report();
      log.info("evaluation {} done in {}: report {}", id, report.wallTime(), files.html());
      listener.onFinished(
          id, EvaluationListener.Outcome.SUCCEEDED, report.examples(), since(start));
      endCall =
          () -> {
            if (!observer.isCancelled()) {
              observer.onNext(
                  EvaluateEvent.newBuilder().setReport(ProtoMapping.report(report, files)).build());
              observer.onCompleted();
            }
          };
    } catch (IOException e) {
      log.error("evaluation {}: cannot store its report", id, e);
      listener.onFinished(id, EvaluationListener.Outcome.FAILED, 0, since(start));
      endCall =
          () ->
              fail(
                  observer,
                  Status.INTERNAL.withDescription(
                      "evaluation " + id + ": cannot store the report"));
    } catch (RuntimeException | Error e) {
      Status status = GrpcErrors.toStatus(e, context, id);
      log.info("evaluation {} ended with {}: {}", id, status.getCode(), status.getDescription());
      listener.onFinished(id, outcome(status), 0, since(start));
      endCall = () -> fail(observer, status);
    } finally {
      finished();
    }
    endCall.run();
  }

  private static EvaluationListener.Outcome outcome(Status status) {
    return switch (status.getCode()) {
      case CANCELLED -> EvaluationListener.Outcome.CANCELLED;
      case DEADLINE_EXCEEDED -> EvaluationListener.Outcome.DEADLINE_EXCEEDED;
      default -> EvaluationListener.Outcome.FAILED;
    };
  }

  private static void fail(ServerCallStreamObserver<EvaluateEvent> observer, Status status) {
    if (!observer.isCancelled()) {
      observer.onError(status.asRuntimeException());
    }
  }

  private void finished() {
    permits.release();
    synchronized (idle) {
      running.decrementAndGet();
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

  /**
   * Hands every progress event to the listener (metrics), and streams it from the evaluation thread
   * to the caller, throttled.
   */
  private static final class ProgressSender
      implements io.latentserve.evaluator.core.ProgressListener {
    private final String id;
    private final ServerCallStreamObserver<EvaluateEvent> observer;
    private final EvaluationListener listener;
    private String lastPhase = "";
    private long lastSent;

    ProgressSender(
        String id, ServerCallStreamObserver<EvaluateEvent> observer, EvaluationListener listener) {
      this.id = id;
      this.observer = observer;
      this.listener = listener;
    }

    @Override
    public void onProgress(Progress p) {
      listener.onProgress(id, p);
      long now = System.nanoTime();
      boolean due =
          !p.phase().equals(lastPhase)
              || p.examplesDone() == p.examplesTotal()
              || now - lastSent >= TimeUnit.MILLISECONDS.toNanos(PROGRESS_INTERVAL_MILLIS);
      if (!due || observer.isCancelled()) {
        return;
      }
      lastPhase = p.phase();
      lastSent = now;
      observer.onNext(EvaluateEvent.newBuilder().setProgress(ProtoMapping.progress(id, p)).build());
    }
  }

  @Override
  public void getEvaluation(
      GetEvaluationRequest request, StreamObserver<GetEvaluationResponse> observer) {
    String id = request.getEvaluationId();
    if (!ReportStore.isValidId(id)) {
      observer.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "evaluation_id must match " + ReportStore.ID.pattern() + ", got \"" + id + "\"")
              .asRuntimeException());
      return;
    }
    Optional<EvaluationReport> report;
    try {
      report = store.load(id);
    } catch (IOException e) {
      log.error("cannot read report {}", id, e);
      observer.onError(
          Status.INTERNAL.withDescription("report " + id + " cannot be read").asRuntimeException());
      return;
    }
    if (report.isEmpty()) {
      observer.onError(
          Status.NOT_FOUND.withDescription("no evaluation with id " + id).asRuntimeException());
      return;
    }
    observer.onNext(
        GetEvaluationResponse.newBuilder()
            .setReport(ProtoMapping.report(report.get(), store.files(id)))
            .build());
    observer.onCompleted();
  }

  @Override
  public void listEvaluations(
      ListEvaluationsRequest request, StreamObserver<ListEvaluationsResponse> observer) {
    ListEvaluationsResponse.Builder b = ListEvaluationsResponse.newBuilder();
    try {
      for (EvaluationReport r : store.list()) {
        if (request.getModelName().isEmpty() || request.getModelName().equals(r.model().name())) {
          b.addReports(ProtoMapping.report(r, store.files(r.evaluationId())));
        }
      }
    } catch (IOException e) {
      log.error("cannot list reports", e);
      observer.onError(
          Status.INTERNAL.withDescription("stored reports cannot be listed").asRuntimeException());
      return;
    }
    observer.onNext(b.build());
    observer.onCompleted();
  }
}
