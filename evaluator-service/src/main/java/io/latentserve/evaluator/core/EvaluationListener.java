package io.latentserve.evaluator.core;

import java.time.Duration;

/**
 * Observes evaluations, e.g. to count them in metrics. Each evaluation is named by its id: it is
 * {@linkplain #onStarted started} once, reports {@linkplain #onProgress progress} from the thread
 * that runs it, and {@linkplain #onFinished finishes} once.
 */
public interface EvaluationListener {
  /** The terminal state of an evaluation. */
  enum Outcome {
    SUCCEEDED,
    FAILED,
    CANCELLED,
    DEADLINE_EXCEEDED
  }

  /**
   * An evaluation started running.
   *
   * @param evaluationId its id
   * @param modelName the name of the model it evaluates, as requested (not yet checked to exist)
   */
  void onStarted(String evaluationId, String modelName);

  /** Where an evaluation stands: every progress event of the evaluator, before any throttling. */
  default void onProgress(String evaluationId, Progress progress) {}

  /**
   * An evaluation ended.
   *
   * @param examples examples evaluated (0 unless it succeeded)
   * @param wallTime time from start to end
   */
  void onFinished(String evaluationId, Outcome outcome, long examples, Duration wallTime);

  /** A listener that ignores everything. */
  static EvaluationListener none() {
    return new EvaluationListener() {
      @Override
      public void onStarted(String evaluationId, String modelName) {}

      @Override
      public void onFinished(
          String evaluationId, Outcome outcome, long examples, Duration wallTime) {}
    };
  }
}
