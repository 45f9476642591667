package io.latentserve.evaluator.core;

/**
 * An evaluation request that cannot be run as given: k out of range, empty data, a feature count
 * the model does not take. The message names the field, the expected and the actual value.
 */
public final class InvalidEvaluationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidEvaluationException(String message) {
    super(message);
  }
}
