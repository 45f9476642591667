package io.latentserve.trainer.core;

/**
 * A job specification that cannot be trained: the message names the field (as the API spells it,
 * e.g. {@code spec.optimizer.learning_rate}), the expected and the actual value.
 */
public class InvalidSpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidSpecException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The offending field, e.g. {@code spec.epochs}. */
  public String field() {
    return field;
  }
}
