package io.latentserve.evaluator.core;

/** The limit on evaluations running at once is reached; the caller may retry when one finishes. */
public final class TooManyEvaluationsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TooManyEvaluationsException(String message) {
    super(message);
  }
}
