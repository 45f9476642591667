package io.latentserve.inference.core;

/**
 * The model's runner is closed (the version was unloaded or the server is shutting down). Maps to
 * UNAVAILABLE: a retry finds the current version.
 */
public final class ModelUnavailableException extends InferenceException {
  private static final long serialVersionUID = 1L;

  public ModelUnavailableException(String message) {
    super(message);
  }
}
