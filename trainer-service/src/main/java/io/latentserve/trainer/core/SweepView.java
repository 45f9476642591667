package io.latentserve.trainer.core;

import java.util.List;
import java.util.Objects;

/**
 * A sweep with its points' jobs now, as a caller sees it.
 *
 * @param jobs per point, its job, or null while the point waits to be submitted
 * @param states per point: QUEUED before its job is submitted (CANCELLED if the sweep was cancelled
 *     first, FAILED if it could not be submitted), then its job's state
 * @param state QUEUED before any point has started, RUNNING while any point runs or waits, then
 *     SUCCEEDED (every point succeeded), CANCELLED or FAILED
 * @param reason why the sweep failed or was cancelled, else ""
 * @param step optimizer steps taken over every point
 * @param totalSteps optimizer steps over every point (a point not yet submitted counts those of its
 *     spec: epochs times its steps per epoch, when known, else 0)
 */
public record SweepView(
    Sweep sweep,
    List<Job> jobs,
    List<JobState> states,
    JobState state,
    String reason,
    long step,
    long totalSteps) {
  public SweepView {
    Objects.requireNonNull(sweep, "sweep");
    jobs = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(jobs));
    states = List.copyOf(states);
    Objects.requireNonNull(state, "state");
    reason = reason == null ? "" : reason;
  }

  /** Points that ended SUCCEEDED. */
  public int succeeded() {
    return (int) states.stream().filter(s -> s == JobState.SUCCEEDED).count();
  }

  /** Points that ended in any way. */
  public int ended() {
    return (int) states.stream().filter(JobState::isTerminal).count();
  }
}
