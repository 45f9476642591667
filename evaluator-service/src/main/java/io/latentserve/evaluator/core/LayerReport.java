package io.latentserve.evaluator.core;

import java.util.Objects;

/**
 * Per-layer results.
 *
 * @param layer layer name
 * @param dim latent units
 * @param rate KL(q(z_l|z_{l-1}) || p(z_l|z_{l+1})) Monte Carlo estimate, nats per example; null
 *     when rates were not asked for
 * @param activeUnits units with activity above 0.01; -1 when active units were not asked for
 * @param activity per-unit Cov_x(E_q[z_d]), [dim]; empty when active units were not asked for
 * @param activeUnitSamples how E_q[z_l | x] behind the activity was computed: 0 exactly (a layer
 *     whose encoder reads x alone: layer 1 of a bottom-up chain, the top of a top-down model, the
 *     encoder's mean of q(z_l|x)), S > 0 as the Monte Carlo mean over S posterior draws of the
 *     layers its encoder reads of E[z_l | parents, x] (the upper layers of a chain, the lower
 *     layers of a top-down model such as HIT's y, whose q(z_l|x) is a mixture without a closed-form
 *     mean), 0 too when active units were not asked for
 * @param mutualInformation I(x; z_l) of this layer (exact-posterior estimators for a layer whose
 *     encoder reads x alone, the nested mixture estimator otherwise); null when not asked for (or
 *     in reports stored before it was reported per layer)
 * @param labels I(z_l; label), the linear probe's accuracy and Fano's ceiling; null when no label
 *     metric was asked for
 */
public record LayerReport(
    String layer,
    int dim,
    Estimate rate,
    int activeUnits,
    double[] activity,
    int activeUnitSamples,
    MutualInformationReport mutualInformation,
    LayerLabelReport labels) {
  /** A layer without per-layer MI, whose activity (if any) is exact. */
  public LayerReport(String layer, int dim, Estimate rate, int activeUnits, double[] activity) {
    this(layer, dim, rate, activeUnits, activity, 0, null, null);
  }

  /** A layer without label metrics. */
  public LayerReport(
      String layer,
      int dim,
      Estimate rate,
      int activeUnits,
      double[] activity,
      int activeUnitSamples,
      MutualInformationReport mutualInformation) {
    this(layer, dim, rate, activeUnits, activity, activeUnitSamples, mutualInformation, null);
  }

  public LayerReport {
    Objects.requireNonNull(layer, "layer");
    activity = activity == null ? new double[0] : activity.clone();
    if (activeUnitSamples < 0) {
      throw new IllegalArgumentException(
          "activeUnitSamples must be >= 0, got " + activeUnitSamples);
    }
    if (activeUnits < -1 || activeUnits > dim) {
      throw new IllegalArgumentException(
          "activeUnits must be in [-1, " + dim + "], got " + activeUnits);
    }
  }

  @Override
  public double[] activity() {
    return activity.clone();
  }
}
