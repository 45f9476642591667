package io.latentserve.trainer.core;

/** No job has the given id. */
public final class JobNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JobNotFoundException(String jobId) {
    super("job " + jobId + " not found");
  }
}
