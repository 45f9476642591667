package io.latentserve.trainer.core;

/** No sweep has the given id. */
public final class SweepNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SweepNotFoundException(String sweepId) {
    super("sweep " + sweepId + " not found");
  }
}
