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
 */
public record LayerReport(
    String layer, int dim, Estimate rate, int activeUnits, double[] activity) {
  public LayerReport {
    Objects.requireNonNull(layer, "layer");
    activity = activity == null ? new double[0] : activity.clone();
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
