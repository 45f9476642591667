package io.latentserve.evaluator.core;

/** The evaluation was cancelled by its caller before it finished. */
public final class EvaluationCancelledException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EvaluationCancelledException(String message) {
    super(message);
  }
}
