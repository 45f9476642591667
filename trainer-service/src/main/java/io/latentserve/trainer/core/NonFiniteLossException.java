package io.latentserve.trainer.core;

/** A training step produced a NaN or infinite loss or gradient; the step was not applied. */
public final class NonFiniteLossException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NonFiniteLossException(String message) {
    super(message);
  }
}
