package io.latentserve.evaluator.core;

import java.util.Objects;

/**
 * A call through the {@link InferenceClient} port failed. {@link #reason()} says why, so that the
 * inbound adapter can map it to a status; the message is written for the evaluator's caller (it
 * names the target and the model, never a stack trace).
 */
public final class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a call failed. */
  public enum Reason {
    /** The request was malformed (wrong shape, k out of range). */
    INVALID_ARGUMENT,
    /** The model or version is not served. */
    NOT_FOUND,
    /** No replica could serve the call, after retries. */
    UNAVAILABLE,
    /** The call's deadline passed. */
    DEADLINE_EXCEEDED,
    /** The caller cancelled. */
    CANCELLED,
    /** The replica refused the request as too large or its queue was full. */
    RESOURCE_EXHAUSTED,
    /** Anything else: a bug or an unexpected answer. */
    INTERNAL
  }

  private final Reason reason;
  private final String target;

  public InferenceException(Reason reason, String target, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.target = Objects.requireNonNullElse(target, "");
  }

  public InferenceException(Reason reason, String target, String message) {
    this(reason, target, message, null);
  }

  public Reason reason() {
    return reason;
  }

  /** The inference target the call went to, e.g. {@code dns:///inference:50051}. */
  public String target() {
    return target;
  }
}
