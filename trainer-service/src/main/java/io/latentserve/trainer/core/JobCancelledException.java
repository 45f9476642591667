package io.latentserve.trainer.core;

/** A training run stopped because its job was cancelled. */
public final class JobCancelledException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JobCancelledException(String message) {
    super(message);
  }
}
