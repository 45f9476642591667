package io.latentserve.wire;

/**
 * A wire tensor that does not decode: unsupported dtype, negative dimension, too many elements, or
 * a byte length that does not match the shape. The message names the field, the expected and the
 * actual value; each service maps it to its own invalid-input error.
 */
public final class TensorFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  /**
   * @param field the offending request field as the API names it, e.g. {@code "x"}, {@code "z[1]"}
   * @param message the full description, starting with the field
   */
  public TensorFormatException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The offending request field, e.g. {@code "x"} or {@code "z[1]"}. */
  public String field() {
    return field;
  }
}
