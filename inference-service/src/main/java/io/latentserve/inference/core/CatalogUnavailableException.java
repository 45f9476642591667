package io.latentserve.inference.core;

/**
 * The catalog cannot serve yet (the repository is still loading) or any more (shutting down). Maps
 * to UNAVAILABLE: the caller may retry, possibly on another replica.
 */
public final class CatalogUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CatalogUnavailableException(String message) {
    super(message);
  }
}
