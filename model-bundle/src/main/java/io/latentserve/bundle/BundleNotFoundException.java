package io.latentserve.bundle;

/**
 * A model or version that has no complete bundle: never published, deleted, or still being written.
 * Callers map it to "not found" rather than to a corrupt bundle.
 */
public class BundleNotFoundException extends BundleException {
  private static final long serialVersionUID = 1L;

  public BundleNotFoundException(String message) {
    super(message);
  }
}
