package io.latentserve.trainer.core;

/** Where a training job is in its life. QUEUED -> RUNNING -> SUCCEEDED, FAILED or CANCELLED. */
public enum JobState {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  /** Whether the job has ended for good. */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
