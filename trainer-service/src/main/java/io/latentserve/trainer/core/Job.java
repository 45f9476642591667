package io.latentserve.trainer.core;

import io.latentserve.bundle.SweepOrigin;
import java.time.Instant;
import java.util.Objects;

/**
 * A training job as its owner sees it: an immutable snapshot.
 *
 * @param reason why the job failed or was cancelled, or a note on a queued job; "" otherwise
 * @param epoch the current epoch, 1-based; 0 before training starts
 * @param step optimizer steps taken
 * @param totalSteps optimizer steps of the whole run
 * @param published the published bundle once succeeded, else null
 * @param progress the latest progress report, or null before the first
 * @param sweep the sweep this job is a point of, or null for a job submitted alone
 */
public record Job(
    String id,
    TrainingSpec spec,
    JobState state,
    String reason,
    int epoch,
    long step,
    long totalSteps,
    PublishedModel published,
    TrainingProgress progress,
    Instant created,
    Instant updated,
    String submittedBy,
    SweepOrigin sweep) {
  public Job {
    submittedBy = submittedBy == null ? "" : submittedBy;
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(state, "state");
    reason = reason == null ? "" : reason;
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(updated, "updated");
  }

  /** A job submitted alone, not for a sweep. */
  public Job(
      String id,
      TrainingSpec spec,
      JobState state,
      String reason,
      int epoch,
      long step,
      long totalSteps,
      PublishedModel published,
      TrainingProgress progress,
      Instant created,
      Instant updated,
      String submittedBy) {
    this(
        id,
        spec,
        state,
        reason,
        epoch,
        step,
        totalSteps,
        published,
        progress,
        created,
        updated,
        submittedBy,
        null);
  }

  Job withState(JobState newState, String newReason, Instant now) {
    return new Job(
        id,
        spec,
        newState,
        newReason,
        epoch,
        step,
        totalSteps,
        published,
        progress,
        created,
        now,
        submittedBy,
        sweep);
  }

  Job withProgress(TrainingProgress p, Instant now) {
    return new Job(
        id,
        spec,
        state,
        reason,
        p.epoch(),
        p.step(),
        p.totalSteps(),
        published,
        p,
        created,
        now,
        submittedBy,
        sweep);
  }

  Job withPublished(PublishedModel model, Instant now) {
    return new Job(
        id,
        spec,
        JobState.SUCCEEDED,
        "",
        epoch,
        step,
        totalSteps,
        model,
        progress,
        created,
        now,
        submittedBy,
        sweep);
  }
}
