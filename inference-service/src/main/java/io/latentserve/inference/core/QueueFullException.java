package io.latentserve.inference.core;

/**
 * The batching queue of a graph is full: the server is overloaded and the caller should back off.
 * Maps to RESOURCE_EXHAUSTED.
 */
public final class QueueFullException extends InferenceException {
  private static final long serialVersionUID = 1L;

  public QueueFullException(String message) {
    super(message);
  }
}
