package io.latentserve.inference.core;

/**
 * A request the core refused or could not serve. The subclass says why, so that an inbound adapter
 * can map it to a status code; the message is written for the caller and carries no paths or stack
 * traces, except for {@link InferenceFailedException} whose message is for logs.
 */
public abstract class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected InferenceException(String message) {
    super(message);
  }

  protected InferenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
