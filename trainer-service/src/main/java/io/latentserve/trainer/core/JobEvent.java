package io.latentserve.trainer.core;

import java.util.Objects;

/**
 * One message of a job's progress stream: the job after the change. The stream's last event has a
 * terminal state.
 */
public record JobEvent(Job job) {
  public JobEvent {
    Objects.requireNonNull(job, "job");
  }

  public boolean isFinal() {
    return job.state().isTerminal();
  }
}
