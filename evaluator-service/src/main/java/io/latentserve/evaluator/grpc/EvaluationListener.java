package io.latentserve.evaluator.grpc;

import java.time.Duration;

/** Observes evaluations, e.g. to count them in metrics. */
public interface EvaluationListener {
  /** The terminal state of an evaluation. */
  enum Outcome {
    SUCCEEDED,
    FAILED,
    CANCELLED,
    DEADLINE_EXCEEDED
  }

  /** An evaluation started running. */
  void onStarted();

  /**
   * An evaluation ended.
   *
   * @param examples examples evaluated (0 unless it succeeded)
   * @param wallTime time from start to end
   */
  void onFinished(Outcome outcome, long examples, Duration wallTime);

  /** A listener that ignores everything. */
  static EvaluationListener none() {
    return new EvaluationListener() {
      @Override
      public void onStarted() {}

      @Override
      public void onFinished(Outcome outcome, long examples, Duration wallTime) {}
    };
  }
}
