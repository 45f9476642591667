package io.latentserve.inference.core;

/**
 * The inference engine failed on a request that passed validation: a bug or a broken bundle. Maps
 * to INTERNAL; the message and cause are for logs only, never for the wire.
 */
public final class InferenceFailedException extends InferenceException {
  private static final long serialVersionUID = 1L;

  public InferenceFailedException(String message, Throwable cause) {
    super(message, cause);
  }

  public InferenceFailedException(String message) {
    super(message);
  }
}
