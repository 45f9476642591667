package io.latentserve.inference.core;

/**
 * A request's model version was still loading when the request's deadline (or the server's load
 * wait) ran out. Maps to DEADLINE_EXCEEDED; the load carries on, so a retry finds the model loaded.
 */
public final class LoadTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LoadTimeoutException(String message) {
    super(message);
  }
}
