package io.latentserve.evaluator.grpc;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.latentserve.evaluator.core.EvaluationCaller;
import io.latentserve.evaluator.core.EvaluationListener;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.EvaluationService;
import io.latentserve.evaluator.core.EvaluatorUnavailableException;
import io.latentserve.evaluator.core.InvalidEvaluationException;
import io.latentserve.evaluator.core.Progress;
import io.latentserve.evaluator.core.ReportNotStoredException;
import io.latentserve.evaluator.core.StoredReport;
import io.latentserve.evaluator.core.TooManyEvaluationsException;
import io.latentserve.evaluator.report.ReportStore;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.GetEvaluationRequest;
import io.latentserve.proto.v1.GetEvaluationResponse;
import io.latentserve.proto.v1.ListEvaluationsRequest;
import io.latentserve.proto.v1.ListEvaluationsResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Evaluator service over gRPC. Evaluate validates and maps the request, then starts it in the
 * {@link EvaluationService} with the call's {@link Context}: inference calls inherit its deadline
 * and are cancelled with it, so a client that cancels or whose deadline passes stops the work.
 * Progress is streamed at most every {@value #PROGRESS_INTERVAL_MILLIS} ms (and at every phase
 * change); the report, stored on disk first, comes last.
 */
public final class EvaluatorGrpcService extends EvaluatorGrpc.EvaluatorImplBase {
  private static final Logger log = LoggerFactory.getLogger(EvaluatorGrpcService.class);
  static final long PROGRESS_INTERVAL_MILLIS = 200;

  private final EvaluationService evaluations;

  public EvaluatorGrpcService(EvaluationService evaluations) {
    this.evaluations = Objects.requireNonNull(evaluations, "evaluations");
  }

  @Override
  public void evaluate(EvaluateRequest request, StreamObserver<EvaluateEvent> responseObserver) {
    ServerCallStreamObserver<EvaluateEvent> observer =
        (ServerCallStreamObserver<EvaluateEvent>) responseObserver;
    try {
      EvaluationRequest core = ProtoMapping.request(request);
      evaluations.start(core, new CallCaller(observer, Context.current()));
    } catch (InvalidEvaluationException e) {
      observer.onError(
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    } catch (TooManyEvaluationsException e) {
      observer.onError(
          Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException());
    } catch (EvaluatorUnavailableException e) {
      observer.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
    } catch (RuntimeException e) {
      // A bug: a thrown exception would reach the caller as UNKNOWN; this logs it as INTERNAL.
      observer.onError(GrpcErrors.toStatus(e, Context.ROOT, "").asRuntimeException());
    }
  }

  /**
   * One Evaluate call as the evaluation's caller: streams its progress, throttled, and its end; it
   * stops waiting when the call is cancelled or its deadline passes.
   */
  private static final class CallCaller implements EvaluationCaller {
    private final ServerCallStreamObserver<EvaluateEvent> observer;
    private final Context context;
    private String id = "";
    private String lastPhase = "";
    private long lastSent;

    CallCaller(ServerCallStreamObserver<EvaluateEvent> observer, Context context) {
      this.observer = observer;
      this.context = context;
    }

    @Override
    public Optional<EvaluationListener.Outcome> stopped() {
      if (!context.isCancelled()) {
        return Optional.empty();
      }
      return Optional.of(
          context.cancellationCause() instanceof TimeoutException
              ? EvaluationListener.Outcome.DEADLINE_EXCEEDED
              : EvaluationListener.Outcome.CANCELLED);
    }

    @Override
    public Executor onBehalf(Executor executor) {
      return context.fixedContextExecutor(executor);
    }

    @Override
    public void onAccepted(String evaluationId) {
      id = evaluationId;
      // Without a handler, onNext after cancellation throws; with one, the work notices through
      // the context instead.
      observer.setOnCancelHandler(() -> log.info("evaluation {} cancelled by its caller", id));
    }

    @Override
    public void onProgress(Progress p) {
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

    @Override
    public void onSucceeded(StoredReport stored) {
      if (!observer.isCancelled()) {
        observer.onNext(
            EvaluateEvent.newBuilder()
                .setReport(ProtoMapping.report(stored.report(), stored.files()))
                .build());
        observer.onCompleted();
      }
    }

    @Override
    public void onFailed(Throwable error) {
      Status status =
          error instanceof ReportNotStoredException
              ? Status.INTERNAL.withDescription(error.getMessage())
              : GrpcErrors.toStatus(error, context, id);
      if (!observer.isCancelled()) {
        observer.onError(status.asRuntimeException());
      }
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
    Optional<StoredReport> stored;
    try {
      stored = evaluations.get(id);
    } catch (IOException e) {
      log.error("cannot read report {}", id, e);
      observer.onError(
          Status.INTERNAL.withDescription("report " + id + " cannot be read").asRuntimeException());
      return;
    }
    if (stored.isEmpty()) {
      observer.onError(
          Status.NOT_FOUND.withDescription("no evaluation with id " + id).asRuntimeException());
      return;
    }
    observer.onNext(
        GetEvaluationResponse.newBuilder()
            .setReport(ProtoMapping.report(stored.get().report(), stored.get().files()))
            .build());
    observer.onCompleted();
  }

  @Override
  public void listEvaluations(
      ListEvaluationsRequest request, StreamObserver<ListEvaluationsResponse> observer) {
    ListEvaluationsResponse.Builder b = ListEvaluationsResponse.newBuilder();
    try {
      for (StoredReport r : evaluations.list(request.getModelName())) {
        b.addReports(ProtoMapping.report(r.report(), r.files()));
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
