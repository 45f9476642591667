package io.latentserve.trainer.core;

/** A job for the same model name is already queued or running. */
public final class JobConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JobConflictException(String message) {
    super(message);
  }
}
