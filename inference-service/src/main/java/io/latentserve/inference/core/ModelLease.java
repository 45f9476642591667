package io.latentserve.inference.core;

/**
 * A hold on one loaded model version: while any lease is open, the version is not closed, even
 * after it was removed from the catalog. Close it exactly when the work with the model is done.
 */
public interface ModelLease extends AutoCloseable {
  /** The leased version. */
  ServedModel served();

  /** Releases the hold; idempotent. */
  @Override
  void close();
}
