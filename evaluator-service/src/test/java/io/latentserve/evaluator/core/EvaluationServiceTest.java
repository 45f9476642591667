package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The evaluation lifecycle without gRPC: a reference inference client and reports in memory. */
class EvaluationServiceTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
  // 8 rows per call: progress at 8, 16, 24 and 30 examples of each phase
  private static final EvaluatorOptions OPTIONS =
      new EvaluatorOptions(2000, 8, 1 << 14, 1, 2, 200, 0, 0);

  private final ReferenceInferenceClient inference =
      ReferenceInferenceClient.of(
          InferenceClientContract.MODEL, 1, InferenceClientContract.WEIGHTS);
  private final ExecutorService evaluations = Executors.newFixedThreadPool(2);
  private final ExecutorService calls = Executors.newFixedThreadPool(2);
  private final InMemoryReports reports = new InMemoryReports();
  private final List<EvaluationListener.Outcome> outcomes = new CopyOnWriteArrayList<>();
  private final EvaluationService service =
      new EvaluationService(
          new Evaluator(inference, OPTIONS),
          reports,
          evaluations,
          calls,
          1,
          new EvaluationListener() {
            @Override
            public void onStarted(String evaluationId, String modelName) {}

            @Override
            public void onFinished(
                String evaluationId, Outcome outcome, long examples, Duration wallTime) {
              outcomes.add(outcome);
            }
          },
          CLOCK);

  @AfterEach
  void stop() throws Exception {
    assertThat(service.awaitIdle(Duration.ofSeconds(20))).isTrue();
    evaluations.shutdownNow();
    calls.shutdownNow();
    inference.close();
  }

  private static EvaluationRequest request(String label) {
    return new EvaluationRequest(
        new ModelKey(InferenceClientContract.MODEL, 1),
        InferenceClientContract.data(30, 1),
        "inline",
        4,
        Set.of(Metric.IWLL),
        7,
        0,
        label);
  }

  @Test
  void start_runsToTheEnd_storesTheReportAndFreesTheSlot() throws Exception {
    RecordingCaller caller = new RecordingCaller(null);

    String id = service.start(request("first"), caller);

    StoredReport stored = caller.succeeded.get(20, TimeUnit.SECONDS);
    assertThat(id).matches("eval-20260102-030405-[0-9a-f]{6}");
    assertThat(caller.acceptedId).isEqualTo(id);
    assertThat(stored.report().evaluationId()).isEqualTo(id);
    assertThat(stored.report().examples()).isEqualTo(30);
    assertThat(caller.progress).isNotEmpty();
    assertThat(caller.progress.get(caller.progress.size() - 1).examplesDone()).isEqualTo(30);
    assertThat(service.running()).isZero();
    assertThat(service.progress(id)).isEmpty();
    assertThat(service.get(id)).contains(stored);
    assertThat(service.get("eval-none")).isEmpty();
    assertThat(service.list("")).containsExactly(stored);
    assertThat(service.list("another-model")).isEmpty();
    assertThat(outcomes).containsExactly(EvaluationListener.Outcome.SUCCEEDED);
  }

  @Test
  void start_atTheLimit_isRefusedUntilTheRunningOneEnds() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RecordingCaller first = new RecordingCaller(release);
    String id = service.start(request("first"), first);
    assertThat(first.firstProgress.await(20, TimeUnit.SECONDS)).isTrue();

    assertThat(service.running()).isEqualTo(1);
    assertThat(service.progress(id)).contains(first.progress.get(0));
    assertThatThrownBy(() -> service.start(request("second"), new RecordingCaller(null)))
        .isInstanceOf(TooManyEvaluationsException.class)
        .hasMessage("1 evaluations are running, the limit; retry when one finishes");

    release.countDown();
    first.succeeded.get(20, TimeUnit.SECONDS);
    RecordingCaller third = new RecordingCaller(null);
    service.start(request("third"), third);
    assertThat(third.succeeded.get(20, TimeUnit.SECONDS).report().examples()).isEqualTo(30);
  }

  @Test
  void cancel_running_endsItCancelledWithoutAReport() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RecordingCaller caller = new RecordingCaller(release);
    String id = service.start(request("cancelled"), caller);
    assertThat(caller.firstProgress.await(20, TimeUnit.SECONDS)).isTrue();

    assertThat(service.cancel(id)).isTrue();
    release.countDown();

    assertThat(caller.failed.get(20, TimeUnit.SECONDS))
        .isInstanceOf(EvaluationCancelledException.class);
    assertThat(outcomes).containsExactly(EvaluationListener.Outcome.CANCELLED);
    assertThat(service.cancel(id)).isFalse();
    assertThat(service.get(id)).isEmpty();
    assertThat(service.running()).isZero();
  }

  @Test
  void start_callerStoppedWaiting_endsWithItsReason() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RecordingCaller caller = new RecordingCaller(release);
    service.start(request("abandoned"), caller);
    assertThat(caller.firstProgress.await(20, TimeUnit.SECONDS)).isTrue();

    caller.stopped = Optional.of(EvaluationListener.Outcome.DEADLINE_EXCEEDED);
    release.countDown();

    assertThat(caller.failed.get(20, TimeUnit.SECONDS))
        .isInstanceOf(EvaluationCancelledException.class);
    assertThat(outcomes).containsExactly(EvaluationListener.Outcome.DEADLINE_EXCEEDED);
  }

  @Test
  void start_invalidRequest_throwsAndTakesNoSlot() {
    EvaluationRequest k0 =
        new EvaluationRequest(
            new ModelKey(InferenceClientContract.MODEL, 1),
            InferenceClientContract.data(30, 1),
            "inline",
            -1,
            Set.of(Metric.IWLL),
            7,
            0,
            "");

    assertThatThrownBy(() -> service.start(k0, new RecordingCaller(null)))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageStartingWith("k must be in [1, ");
    assertThat(service.running()).isZero();
    assertThat(outcomes).isEmpty();
  }

  @Test
  void start_executorShutDown_throwsUnavailableAndFreesTheSlot() {
    evaluations.shutdown();

    assertThatThrownBy(() -> service.start(request("late"), new RecordingCaller(null)))
        .isInstanceOf(EvaluatorUnavailableException.class)
        .hasMessage("the evaluator is shutting down");
    assertThat(service.running()).isZero();
  }

  /** Records what it hears; with a gate, holds the evaluation at its first progress event. */
  private static final class RecordingCaller implements EvaluationCaller {
    private final CountDownLatch gate;
    final CountDownLatch firstProgress = new CountDownLatch(1);
    final List<Progress> progress = new CopyOnWriteArrayList<>();
    final CompletableFuture<StoredReport> succeeded = new CompletableFuture<>();
    final CompletableFuture<Throwable> failed = new CompletableFuture<>();
    volatile Optional<EvaluationListener.Outcome> stopped = Optional.empty();
    volatile String acceptedId;

    RecordingCaller(CountDownLatch gate) {
      this.gate = gate;
    }

    @Override
    public Optional<EvaluationListener.Outcome> stopped() {
      return stopped;
    }

    @Override
    public void onAccepted(String evaluationId) {
      acceptedId = evaluationId;
    }

    @Override
    public void onProgress(Progress p) {
      progress.add(p);
      firstProgress.countDown();
      if (gate != null) {
        try {
          gate.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void onSucceeded(StoredReport report) {
      succeeded.complete(report);
      failed.completeExceptionally(new AssertionError("succeeded"));
    }

    @Override
    public void onFailed(Throwable error) {
      failed.complete(error);
      succeeded.completeExceptionally(new AssertionError("failed: " + error));
    }
  }

  /** Reports in memory, in the order stored, newest first. */
  private static final class InMemoryReports implements ReportRepository {
    private final Map<String, EvaluationReport> reports = new LinkedHashMap<>();

    @Override
    public synchronized ReportFiles save(EvaluationOutcome outcome) {
      reports.put(outcome.report().evaluationId(), outcome.report());
      return files(outcome.report().evaluationId());
    }

    @Override
    public synchronized Optional<EvaluationReport> load(String evaluationId) {
      return Optional.ofNullable(reports.get(evaluationId));
    }

    @Override
    public synchronized List<EvaluationReport> list() {
      List<EvaluationReport> newestFirst = new ArrayList<>(reports.values());
      Collections.reverse(newestFirst);
      return newestFirst;
    }

    @Override
    public ReportFiles files(String evaluationId) {
      Path dir = Path.of("reports", evaluationId);
      return new ReportFiles(
          dir, dir.resolve("report.json"), dir.resolve("report.html"), List.of());
    }
  }
}
