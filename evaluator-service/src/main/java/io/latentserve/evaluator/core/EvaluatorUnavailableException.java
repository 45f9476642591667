package io.latentserve.evaluator.core;

/** The evaluator takes no more evaluations: it is shutting down. */
public final class EvaluatorUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EvaluatorUnavailableException(String message) {
    super(message);
  }
}
