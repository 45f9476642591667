package io.latentserve.trainer.core;

import java.util.Objects;

/**
 * The two Lagrange multipliers of LagVAE (lambda1 on consistency NLL + KL <= e1, lambda2 on 1e4 MMD
 * <= e2) and their RMSProp state, stepped by dual ascent: each moves up while its constraint is
 * violated on the batch and down while it holds, then is clipped to [{@link #MIN}, {@link #MAX}].
 * Because RMSProp divides by the root mean square of the gradient, a multiplier moves by about the
 * learning rate per step whatever the size of the violation (ermongroup/lagvae behaves the same).
 * Not thread-safe.
 */
public final class LagrangeMultipliers {
  /** Both multipliers' starting value. */
  public static final double INITIAL = 1;

  /**
   * The clipping range, as in the original code: a multiplier never reaches 0 or grows unbounded.
   */
  public static final double MIN = 1e-3;

  public static final double MAX = 100;

  /**
   * TF1's RMSProp starts its mean square at 1, which damps the first steps of a large violation.
   */
  static final double INITIAL_MEAN_SQUARE = 1;

  private final Objective.Constraints constraints;
  private final Objective.DualOptimizer optimizer;
  private double consistency = INITIAL;
  private double mmd = INITIAL;
  private double consistencyMeanSquare = INITIAL_MEAN_SQUARE;
  private double mmdMeanSquare = INITIAL_MEAN_SQUARE;

  public LagrangeMultipliers(Objective.Constraints constraints, Objective.DualOptimizer optimizer) {
    this.constraints = Objects.requireNonNull(constraints, "constraints");
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
  }

  /** lambda1, the multiplier of the consistency constraint NLL + KL <= e1. */
  public double consistency() {
    return consistency;
  }

  /** lambda2, the multiplier of the MMD constraint 1e4 MMD <= e2. */
  public double mmd() {
    return mmd;
  }

  /**
   * One ascent step from a batch's constraint values, measured at the multipliers before the step.
   *
   * @param consistencyValue NLL + KL on the batch, nats per example
   * @param mmdValue 1e4 MMD on the batch
   */
  public void update(double consistencyValue, double mmdValue) {
    if (!Double.isFinite(consistencyValue) || !Double.isFinite(mmdValue)) {
      throw new NonFiniteLossException(
          "constraint values " + consistencyValue + " and " + mmdValue + " are not finite");
    }
    double g1 = consistencyValue - constraints.e1();
    double g2 = mmdValue - constraints.e2();
    consistencyMeanSquare = meanSquare(consistencyMeanSquare, g1);
    mmdMeanSquare = meanSquare(mmdMeanSquare, g2);
    consistency = clip(consistency + rate(g1, consistencyMeanSquare));
    mmd = clip(mmd + rate(g2, mmdMeanSquare));
  }

  private double meanSquare(double previous, double gradient) {
    double decay = optimizer.decay();
    return decay * previous + (1 - decay) * gradient * gradient;
  }

  private double rate(double gradient, double meanSquare) {
    return optimizer.learningRate() * gradient / Math.sqrt(meanSquare + optimizer.epsilon());
  }

  private static double clip(double value) {
    return Math.max(MIN, Math.min(MAX, value));
  }

  /** The state to resume from: lambda1, lambda2 and their mean squares. */
  public double[] state() {
    return new double[] {consistency, mmd, consistencyMeanSquare, mmdMeanSquare};
  }

  /** Restores a {@link #state()}. */
  public void restore(double[] state) {
    if (state.length != 4) {
      throw new IllegalArgumentException(
          "multiplier state has " + state.length + " values, 4 expected");
    }
    consistency = state[0];
    mmd = state[1];
    consistencyMeanSquare = state[2];
    mmdMeanSquare = state[3];
  }
}
