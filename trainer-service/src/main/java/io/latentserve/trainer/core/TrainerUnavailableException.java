package io.latentserve.trainer.core;

/** The trainer is shutting down and takes no more work; a restarted trainer resumes its jobs. */
public final class TrainerUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainerUnavailableException(String message) {
    super(message);
  }
}
