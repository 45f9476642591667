package io.latentserve.inference.core;

/**
 * The request names something that exists but cannot serve in its current state, e.g. a model
 * version that is in the repository but failed to load (a corrupt bundle). Maps to
 * FAILED_PRECONDITION; the message says what and why, without file paths.
 */
public final class FailedPreconditionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FailedPreconditionException(String message) {
    super(message);
  }
}
