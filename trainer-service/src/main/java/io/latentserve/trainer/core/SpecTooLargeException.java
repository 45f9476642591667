package io.latentserve.trainer.core;

/** A valid specification whose size exceeds this trainer's limits. */
public final class SpecTooLargeException extends InvalidSpecException {
  private static final long serialVersionUID = 1L;

  public SpecTooLargeException(String field, String message) {
    super(field, message);
  }
}
