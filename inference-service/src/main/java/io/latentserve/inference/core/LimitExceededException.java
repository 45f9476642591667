package io.latentserve.inference.core;

/**
 * A well-formed request above a configured limit (rows per request, importance samples). Maps to
 * RESOURCE_EXHAUSTED. The message names the field, the limit and the actual value, e.g. {@code "x
 * has 5000 rows, the limit is 4096"}.
 */
public final class LimitExceededException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final long limit;
  private final long actual;

  /**
   * @param field the request field, e.g. {@code "x"} or {@code "k"}
   * @param limit the configured maximum
   * @param actual the requested value
   * @param message the full description
   */
  public LimitExceededException(String field, long limit, long actual, String message) {
    super(message);
    this.field = field;
    this.limit = limit;
    this.actual = actual;
  }

  public String field() {
    return field;
  }

  public long limit() {
    return limit;
  }

  public long actual() {
    return actual;
  }
}
