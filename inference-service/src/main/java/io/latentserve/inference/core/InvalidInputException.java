package io.latentserve.inference.core;

/**
 * A malformed request: wrong rank or shape, NaN or infinity, empty batch, k <= 0, and the like.
 * Maps to INVALID_ARGUMENT. The message names the field, the expected and the actual value, e.g.
 * {@code "x has 783 features, model mnist-vae/3 expects 784"}.
 */
public final class InvalidInputException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final String field;

  /**
   * @param field the offending request field as the API names it, e.g. {@code "x"}, {@code "z[1]"},
   *     {@code "k"}
   * @param message the full description, starting with the field
   */
  public InvalidInputException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The offending request field, e.g. {@code "x"}, {@code "z[1]"}, {@code "k"}. */
  public String field() {
    return field;
  }
}
