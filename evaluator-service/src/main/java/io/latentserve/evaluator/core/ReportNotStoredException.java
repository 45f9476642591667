package io.latentserve.evaluator.core;

/** An evaluation ran to its end but its report could not be stored; the cause says why. */
public final class ReportNotStoredException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReportNotStoredException(String message, Throwable cause) {
    super(message, cause);
  }
}
