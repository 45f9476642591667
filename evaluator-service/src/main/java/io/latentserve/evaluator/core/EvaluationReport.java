package io.latentserve.evaluator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The results of one evaluation. Every log density and rate is in nats per example; fields of
 * metrics that were not asked for are null (objects), empty (lists, arrays) or 0.
 *
 * @param evaluationId identifier of the evaluation
 * @param model the exact model version evaluated
 * @param label the caller's label
 * @param dataDescription where the data came from
 * @param examples N, the number of examples evaluated
 * @param k importance samples per example
 * @param seed the seed of every random draw
 * @param metrics the metrics computed
 * @param iwll importance-weighted log-likelihood with k samples
 * @param iwllCurve the IW-LL with the first k' samples, k' ascending, the last being k
 * @param meanEffectiveSampleSize mean over examples of (sum w)^2 / sum w^2
 * @param effectiveSampleSizes per-example effective sample size, [N]
 * @param elbo evidence lower bound E_q[log p(x, z) - log q(z|x)]
 * @param distortion E_q[-log p(x|z)]
 * @param totalRate E_q[log q(z|x) - log p(z)], all layers together
 * @param layers per-layer rate and active units, layer 1 first
 * @param mutualInformation I(x;z) estimates of the layer whose posterior is exact: layer 1 of a
 *     bottom-up chain, which is also I(x; z_1, ..., z_L), or the top layer z of a top-down model, a
 *     lower bound of I(x; y, z) (at most R_y + R_z); the same as that layer's entry in {@code
 *     layers}
 * @param mmd unbiased MMD^2(q(z_top), p(z_top)), kernel exp(-|a-b|^2 / dim); NaN when not computed
 * @param mmdSamples draws of each distribution used for the MMD
 * @param phaseTimes wall time of each phase, in the order they ran
 * @param wallTime wall time of the whole evaluation
 * @param examplesPerSecond N divided by the wall time
 * @param created when the evaluation finished
 * @param condition what a conditional model was conditioned on, e.g. "one-hot labels of
 *     mnist-10k/test (10 classes)"; empty for an unconditional model
 * @param information KDE mutual information, consistency and label statistics; {@link
 *     InformationReport#none()} when none was asked for (or in reports stored before them)
 */
public record EvaluationReport(
    String evaluationId,
    ModelDescription model,
    String label,
    String dataDescription,
    long examples,
    int k,
    long seed,
    List<Metric> metrics,
    Estimate iwll,
    List<IwllPoint> iwllCurve,
    double meanEffectiveSampleSize,
    double[] effectiveSampleSizes,
    Estimate elbo,
    Estimate distortion,
    Estimate totalRate,
    List<LayerReport> layers,
    MutualInformationReport mutualInformation,
    double mmd,
    int mmdSamples,
    Map<String, Duration> phaseTimes,
    Duration wallTime,
    double examplesPerSecond,
    Instant created,
    String condition,
    InformationReport information) {

  public EvaluationReport {
    information = Objects.requireNonNullElse(information, InformationReport.none());
    Objects.requireNonNull(evaluationId, "evaluationId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(wallTime, "wallTime");
    Objects.requireNonNull(created, "created");
    label = Objects.requireNonNullElse(label, "");
    condition = Objects.requireNonNullElse(condition, "");
    dataDescription = Objects.requireNonNullElse(dataDescription, "");
    metrics = List.copyOf(metrics);
    iwllCurve = iwllCurve == null ? List.of() : List.copyOf(iwllCurve);
    effectiveSampleSizes =
        effectiveSampleSizes == null ? new double[0] : effectiveSampleSizes.clone();
    layers = layers == null ? List.of() : List.copyOf(layers);
    phaseTimes =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(phaseTimes == null ? Map.of() : phaseTimes));
  }

  /** A report of an unconditional model (no {@code condition}). */
  public EvaluationReport(
      String evaluationId,
      ModelDescription model,
      String label,
      String dataDescription,
      long examples,
      int k,
      long seed,
      List<Metric> metrics,
      Estimate iwll,
      List<IwllPoint> iwllCurve,
      double meanEffectiveSampleSize,
      double[] effectiveSampleSizes,
      Estimate elbo,
      Estimate distortion,
      Estimate totalRate,
      List<LayerReport> layers,
      MutualInformationReport mutualInformation,
      double mmd,
      int mmdSamples,
      Map<String, Duration> phaseTimes,
      Duration wallTime,
      double examplesPerSecond,
      Instant created) {
    this(
        evaluationId,
        model,
        label,
        dataDescription,
        examples,
        k,
        seed,
        metrics,
        iwll,
        iwllCurve,
        meanEffectiveSampleSize,
        effectiveSampleSizes,
        elbo,
        distortion,
        totalRate,
        layers,
        mutualInformation,
        mmd,
        mmdSamples,
        phaseTimes,
        wallTime,
        examplesPerSecond,
        created,
        "",
        null);
  }

  /**
   * The IW-LL's total standard error, nats: for a model with an RBM prior its sampling standard
   * error over the examples combined with log Z's, sqrt(se_iwll^2 + se_logZ^2). An error in log Z
   * shifts log p(x) of every example by the same amount, so it does not average out over the
   * examples: it adds in full, not divided by sqrt(N). For other models, the sampling standard
   * error; NaN without an IW-LL.
   */
  public double iwllTotalStandardError() {
    if (iwll == null) {
      return Double.NaN;
    }
    double logZ = model.logPartition() == null ? 0 : model.logPartition().standardError();
    return Math.hypot(iwll.standardError(), logZ);
  }

  @Override
  public double[] effectiveSampleSizes() {
    return effectiveSampleSizes.clone();
  }

  /** The same report under another identifier. */
  public EvaluationReport withEvaluationId(String id) {
    return new EvaluationReport(
        id,
        model,
        label,
        dataDescription,
        examples,
        k,
        seed,
        metrics,
        iwll,
        iwllCurve,
        meanEffectiveSampleSize,
        effectiveSampleSizes,
        elbo,
        distortion,
        totalRate,
        layers,
        mutualInformation,
        mmd,
        mmdSamples,
        phaseTimes,
        wallTime,
        examplesPerSecond,
        created,
        condition,
        information);
  }
}
