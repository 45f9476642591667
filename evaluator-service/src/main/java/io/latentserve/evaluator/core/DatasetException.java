package io.latentserve.evaluator.core;

import java.util.Objects;

/** Evaluation data could not be loaded; the message is written for the caller. */
public final class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /** No such dataset or split in the catalogue. */
    NOT_FOUND,
    /** The dataset is known but its files are missing (not downloaded). */
    NOT_AVAILABLE,
    /** The files exist but cannot be read. */
    UNREADABLE
  }

  private final Reason reason;

  public DatasetException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public DatasetException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }
}
