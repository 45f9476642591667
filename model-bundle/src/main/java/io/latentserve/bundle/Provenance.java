package io.latentserve.bundle;

import java.time.Instant;
import java.util.Map;

/**
 * Where a bundle came from.
 *
 * @param specJson the producer's specification as JSON (a training job spec, or a demo generator
 *     and its seed)
 * @param dataset catalogue name of the training data, or "none"
 * @param finalMetrics final bounds and losses recorded by the producer, nats per example
 * @param codeVersion latentserve version that wrote the bundle
 * @param jobId the id of the training job that published the bundle, or "" for a bundle written
 *     outside a job (a demo bundle): a restarted trainer finds a job's bundle by it instead of
 *     publishing the same job twice
 * @param publishedBy the subject of the bearer token that asked for the bundle (e.g. the trainer's
 *     SubmitJob caller), or empty when the service asked for no token
 * @param sweep the sweep and point the bundle was trained for, or null for a bundle trained alone
 */
public record Provenance(
    String specJson,
    String dataset,
    long seed,
    int epochs,
    Map<String, Double> finalMetrics,
    String codeVersion,
    Instant created,
    String jobId,
    String publishedBy,
    SweepOrigin sweep) {
  public Provenance {
    finalMetrics = Map.copyOf(finalMetrics);
    publishedBy = publishedBy == null ? "" : publishedBy;
    if (specJson == null
        || dataset == null
        || codeVersion == null
        || created == null
        || jobId == null) {
      throw new IllegalArgumentException(
          "provenance needs specJson, dataset, codeVersion, created and jobId");
    }
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
    }
  }

  /** The provenance of a bundle trained alone (not for a sweep). */
  public Provenance(
      String specJson,
      String dataset,
      long seed,
      int epochs,
      Map<String, Double> finalMetrics,
      String codeVersion,
      Instant created,
      String jobId,
      String publishedBy) {
    this(
        specJson,
        dataset,
        seed,
        epochs,
        finalMetrics,
        codeVersion,
        created,
        jobId,
        publishedBy,
        null);
  }

  /** The provenance of a bundle written outside a training job (job id "", no subject). */
  public Provenance(
      String specJson,
      String dataset,
      long seed,
      int epochs,
      Map<String, Double> finalMetrics,
      String codeVersion,
      Instant created) {
    this(specJson, dataset, seed, epochs, finalMetrics, codeVersion, created, "", "");
  }
}
