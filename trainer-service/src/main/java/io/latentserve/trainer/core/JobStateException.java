package io.latentserve.trainer.core;

/** The request does not fit the job's state, e.g. cancelling a job that has already ended. */
public final class JobStateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JobStateException(String message) {
    super(message);
  }
}
