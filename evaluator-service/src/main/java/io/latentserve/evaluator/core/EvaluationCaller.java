package io.latentserve.evaluator.core;

import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The party an evaluation runs for, as {@link EvaluationService} sees it: it hears of the
 * evaluation's id, its progress and its end, and it may stop waiting (a cancelled call, a passed
 * deadline), which stops the work. Callbacks run on the evaluation's thread, except {@link
 * #onAccepted}, which runs on the thread that starts it.
 */
public interface EvaluationCaller {
  /** Why the caller stopped waiting, CANCELLED or DEADLINE_EXCEEDED; empty while it waits. */
  Optional<EvaluationListener.Outcome> stopped();

  /**
   * The executor that runs work on this caller's behalf, e.g. carrying its deadline into inference
   * calls. By default {@code executor} itself.
   */
  default Executor onBehalf(Executor executor) {
    return executor;
  }

  /** The evaluation was accepted under this id and is about to be queued. */
  default void onAccepted(String evaluationId) {}

  /** Where the evaluation stands: every progress event of the evaluator. */
  void onProgress(Progress progress);

  /** The evaluation succeeded; its report is stored. Called after its slot is free again. */
  void onSucceeded(StoredReport report);

  /**
   * The evaluation failed: the evaluator's exception, or a {@link ReportNotStoredException}. Called
   * after its slot is free again.
   */
  void onFailed(Throwable error);
}
