package io.latentserve.trainer.core;

/** A catalogued data set whose files are not on this machine; the message says how to fetch it. */
public final class DatasetUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DatasetUnavailableException(String message) {
    super(message);
  }
}
