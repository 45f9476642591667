package io.latentserve.trainer.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One point of a sweep.
 *
 * @param index 0-based; the point publishes {@code <sweep model name>-<index>}
 * @param values the point's value of each axis by field name, in axis order
 * @param spec the base spec with the point's values and model name
 * @param jobId the point's job once submitted, else ""
 * @param failure why the point could not be submitted (its sweep then counts it failed), else ""
 */
public record SweepPoint(
    int index, Map<String, String> values, TrainingSpec spec, String jobId, String failure) {
  public SweepPoint {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    Objects.requireNonNull(spec, "spec");
    jobId = jobId == null ? "" : jobId;
    failure = failure == null ? "" : failure;
  }

  public boolean submitted() {
    return !jobId.isEmpty();
  }

  SweepPoint withJob(String id) {
    return new SweepPoint(index, values, spec, id, failure);
  }

  SweepPoint withFailure(String reason) {
    return new SweepPoint(index, values, spec, jobId, reason);
  }
}
