package io.latentserve.trainer.core;

/** The job queue is full; the message says how full and the limit. */
public final class CapacityExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CapacityExceededException(String message) {
    super(message);
  }
}
