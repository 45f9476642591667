package io.latentserve.bundle;

/**
 * A bundle that is missing, incomplete, corrupt, or of an unknown format. The message says which
 * and why.
 */
public class BundleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BundleException(String message) {
    super(message);
  }

  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
