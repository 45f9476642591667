package io.latentserve.evaluator.core;

import java.util.Objects;

/**
 * The report's information metrics beside I(x;z): LagVAE's KDE mutual information and consistency,
 * and the label statistics behind each layer's {@link LayerLabelReport}.
 *
 * @param kdeMutualInformation I(x; z_e) by {@link MutualInformationEstimator#kernelDensity}, nats,
 *     of the layer e whose posterior is exact ({@link ModelDescription#exactLayer}): layer 1 of a
 *     bottom-up chain, the top layer z of a top-down model; null when not asked for. Not capped at
 *     log N; biased high by KL(q(z_e) || KDE) >= 0
 * @param kdeFitExamples the draws the KDE was fitted to; 0 without the KDE
 * @param kdeFitData where they came from, e.g. {@code mnist-10k/train}; empty without the KDE
 * @param kdeBandwidthFactor Scott's factor n^(-1/(d+4)); NaN without the KDE
 * @param consistency NLL + KL = -ELBO per example, nats, with its standard error; null when not
 *     asked for
 * @param labelClasses the number of classes K of the labels; 0 when no label metric was asked for
 * @param labelEntropy the empirical entropy H(label) of the evaluated examples' labels, nats: the
 *     ceiling of every layer's I(z_l; label); NaN without labels
 */
public record InformationReport(
    Estimate kdeMutualInformation,
    long kdeFitExamples,
    String kdeFitData,
    double kdeBandwidthFactor,
    Estimate consistency,
    int labelClasses,
    double labelEntropy) {
  public InformationReport {
    kdeFitData = Objects.requireNonNullElse(kdeFitData, "");
    if (kdeFitExamples < 0 || labelClasses < 0) {
      throw new IllegalArgumentException(
          "kdeFitExamples and labelClasses must be >= 0, got "
              + kdeFitExamples
              + " and "
              + labelClasses);
    }
  }

  /** Nothing computed. */
  public static InformationReport none() {
    return new InformationReport(null, 0, "", Double.NaN, null, 0, Double.NaN);
  }
}
