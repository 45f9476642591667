package io.latentserve.evaluator.core;

/**
 * What a latent layer tells about the examples' labels (Xiao and Bamler 2023, HIT).
 *
 * @param information I(z_l; label) by {@link LabelInformationEstimator}, nats, with its standard
 *     error; null when not asked for
 * @param probeAccuracy accuracy in [0, 1] of the logistic-regression probe on E_q[z_l|x], on the
 *     held-out examples; NaN when probes were not asked for
 * @param probeTestExamples the held-out examples the probe was scored on; 0 without probes
 * @param fanoAccuracyCeiling Fano's ceiling on any classifier's accuracy given {@code information}
 *     (see {@link FanoBound}); NaN unless both the information and the probes were asked for. It
 *     bounds classifiers of a draw z ~ q(z_l|x): the probe reads E_q[z_l|x], which carries at least
 *     as much about the label, and may exceed it
 */
public record LayerLabelReport(
    Estimate information, double probeAccuracy, int probeTestExamples, double fanoAccuracyCeiling) {
  public LayerLabelReport {
    if (probeTestExamples < 0) {
      throw new IllegalArgumentException(
          "probeTestExamples must be >= 0, got " + probeTestExamples);
    }
  }
}
