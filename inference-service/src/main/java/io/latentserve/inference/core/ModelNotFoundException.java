package io.latentserve.inference.core;

/**
 * The requested model or version is not loaded. Maps to NOT_FOUND; the message names what was asked
 * for and what is loaded, e.g. {@code "model mnist-vae has no version 7, loaded versions: [1, 2]"}.
 */
public final class ModelNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelNotFoundException(String message) {
    super(message);
  }
}
