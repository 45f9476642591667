package io.latentserve.bundle.onnx;

/**
 * An encoder, decoder or spec that does not fit the bundle-import contract; the message names what
 * was expected and what was found, and is meant for the user.
 */
public final class ImportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ImportException(String message) {
    super(message);
  }

  public ImportException(String message, Throwable cause) {
    super(message, cause);
  }
}
