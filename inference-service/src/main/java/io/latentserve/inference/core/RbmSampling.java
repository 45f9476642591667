package io.latentserve.inference.core;

/**
 * The limits of Sample for a model with an RBM prior, whose draws run block Gibbs sweeps in Java
 * (ONNX has no construct for a loop of Bernoulli draws with counter-based noise): about 45 us per
 * sweep of a 400-unit RBM on one core of the reference machine (bench/RESULTS.md).
 */
public final class RbmSampling {
  /** Sweeps per draw when a request leaves gibbs_sweeps at 0. */
  public static final int DEFAULT_SWEEPS = 100;

  /** The most sweeps per draw a request may ask for. */
  public static final int MAX_SWEEPS = 10_000;

  /**
   * The most unit updates (draws x sweeps x units) one request may cost: about a minute of one
   * core, so that a request cannot hold a worker much longer.
   */
  public static final long MAX_UNIT_SWEEPS = 1_000_000_000L;

  private RbmSampling() {}

  /**
   * The sweeps a request runs.
   *
   * @throws InvalidInputException when {@code requested} is outside [0, {@link #MAX_SWEEPS}]
   * @throws LimitExceededException when the request would cost more than {@link #MAX_UNIT_SWEEPS}
   */
  static int sweeps(int requested, int n, int units) {
    if (requested < 0 || requested > MAX_SWEEPS) {
      throw new InvalidInputException(
          "gibbs_sweeps",
          "gibbs_sweeps must be in [1, "
              + MAX_SWEEPS
              + "] (0 for the default "
              + DEFAULT_SWEEPS
              + "), got "
              + requested);
    }
    int sweeps = requested == 0 ? DEFAULT_SWEEPS : requested;
    long cost = (long) n * sweeps * units;
    if (cost > MAX_UNIT_SWEEPS) {
      throw new LimitExceededException(
          "gibbs_sweeps",
          MAX_UNIT_SWEEPS,
          cost,
          "n x gibbs_sweeps x RBM units is "
              + n
              + " x "
              + sweeps
              + " x "
              + units
              + " = "
              + cost
              + ", the limit is "
              + MAX_UNIT_SWEEPS);
    }
    return sweeps;
  }
}
