package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One evaluation to run: a model, the data, and what to compute.
 *
 * @param model the model; version 0 is resolved to the latest once, at the start
 * @param data inline evaluation data, [N, D] float32 (already binarized for Bernoulli models); null
 *     when {@code dataset} names the data
 * @param dataset a catalogued split, loaded (and binarized for Bernoulli models) when the
 *     evaluation starts; null for inline data
 * @param dataDescription where the data came from, e.g. {@code mnist/test} or {@code inline}
 * @param k importance samples per example for the IW-LL, >= 1
 * @param metrics what to compute; empty means {@link Metric#defaults()}
 * @param seed seed of every random draw of the evaluation
 * @param miBatchSize batch size of the minibatch MI estimator; 0 means {@link
 *     #DEFAULT_MI_BATCH_SIZE}
 * @param label a free-form label for the report
 * @param condition the condition y of each inline example, [N, C] float32, for a conditional model
 *     evaluated on inline data; null otherwise (a dataset provides its labels)
 * @param information the KDE's fit set and the inline labels of the information metrics
 */
public record EvaluationRequest(
    ModelKey model,
    FloatTensor data,
    DatasetRef dataset,
    String dataDescription,
    int k,
    Set<Metric> metrics,
    long seed,
    int miBatchSize,
    String label,
    FloatTensor condition,
    InformationRequest information) {

  /** The minibatch MI estimator's batch size when the request gives none. */
  public static final int DEFAULT_MI_BATCH_SIZE = 128;

  public EvaluationRequest {
    Objects.requireNonNull(model, "model");
    if ((data == null) == (dataset == null)) {
      throw new InvalidEvaluationException("give exactly one of inline data and a dataset");
    }
    dataDescription =
        Objects.requireNonNullElse(
            dataDescription, dataset != null ? dataset.toString() : "inline");
    label = Objects.requireNonNullElse(label, "");
    metrics = metrics == null || metrics.isEmpty() ? Metric.defaults() : EnumSet.copyOf(metrics);
    metrics = Set.copyOf(metrics);
    if (miBatchSize < 0) {
      throw new InvalidEvaluationException("mi_batch_size must be >= 0, got " + miBatchSize);
    }
    if (miBatchSize == 0) {
      miBatchSize = DEFAULT_MI_BATCH_SIZE;
    }
    if (condition != null && data == null) {
      throw new InvalidEvaluationException(
          "inline_condition goes with inline_data only: a dataset provides its own labels");
    }
    information = Objects.requireNonNullElse(information, InformationRequest.none());
    if (information.inlineLabels() != null) {
      if (data == null) {
        throw new InvalidEvaluationException(
            "inline_labels go with inline_data only: a dataset provides its own labels");
      }
      if (information.inlineLabels().length != data.dim(0)) {
        throw new InvalidEvaluationException(
            "inline_labels has "
                + information.inlineLabels().length
                + " labels, inline_data has "
                + data.dim(0)
                + " rows: give one label per row");
      }
    }
  }

  /** A request without the information metrics' extras. */
  public EvaluationRequest(
      ModelKey model,
      FloatTensor data,
      DatasetRef dataset,
      String dataDescription,
      int k,
      Set<Metric> metrics,
      long seed,
      int miBatchSize,
      String label,
      FloatTensor condition) {
    this(
        model,
        data,
        dataset,
        dataDescription,
        k,
        metrics,
        seed,
        miBatchSize,
        label,
        condition,
        InformationRequest.none());
  }

  /** A request without an inline condition. */
  public EvaluationRequest(
      ModelKey model,
      FloatTensor data,
      DatasetRef dataset,
      String dataDescription,
      int k,
      Set<Metric> metrics,
      long seed,
      int miBatchSize,
      String label) {
    this(model, data, dataset, dataDescription, k, metrics, seed, miBatchSize, label, null);
  }

  /** A request over inline data. */
  public EvaluationRequest(
      ModelKey model,
      FloatTensor data,
      String dataDescription,
      int k,
      Set<Metric> metrics,
      long seed,
      int miBatchSize,
      String label) {
    this(model, data, null, dataDescription, k, metrics, seed, miBatchSize, label, null);
  }

  public boolean wants(Metric metric) {
    return metrics.contains(metric);
  }
}
