package io.latentserve.cli;

import io.grpc.StatusRuntimeException;
import io.latentserve.proto.v1.CancelJobRequest;
import io.latentserve.proto.v1.TrainerGrpc;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;

/**
 * A job this process started and follows: if the process is stopped (Ctrl-C, SIGTERM) before the
 * job ends, the job is cancelled on the trainer and the user is told so, as {@code eval} cancels
 * its evaluation. Long commands own their work; {@code train --detach} leaves it running.
 */
final class JobOwnership implements AutoCloseable, Runnable {
  private final TrainerGrpc.TrainerBlockingStub stub;
  private final String jobId;
  private final PrintWriter out;
  private final Thread hook;
  private boolean ended;

  private JobOwnership(TrainerGrpc.TrainerBlockingStub stub, String jobId, PrintWriter out) {
    this.stub = stub;
    this.jobId = jobId;
    this.out = out;
    this.hook = new Thread(this, "cancel-job-" + jobId);
  }

  /** Cancels {@code jobId} if this JVM stops before {@link #ended()} or {@link #close()}. */
  static JobOwnership cancelOnExit(
      TrainerGrpc.TrainerBlockingStub stub, String jobId, PrintWriter out) {
    JobOwnership owned = new JobOwnership(stub, jobId, out);
    Runtime.getRuntime().addShutdownHook(owned.hook);
    return owned;
  }

  /**
   * The job without a hook of its own, for a caller whose shutdown hook must cancel it before it
   * stops the trainer (hooks run concurrently, in no order): that hook calls {@link #run()}.
   */
  static JobOwnership owned(TrainerGrpc.TrainerBlockingStub stub, String jobId, PrintWriter out) {
    return new JobOwnership(stub, jobId, out);
  }

  /** The job reached its end: nothing left to cancel. */
  synchronized void ended() {
    ended = true;
  }

  /** Cancels the job unless it ended: what the shutdown hook runs. */
  @Override
  public synchronized void run() {
    if (ended) {
      return;
    }
    ended = true;
    try {
      stub.withDeadlineAfter(5, TimeUnit.SECONDS)
          .cancelJob(CancelJobRequest.newBuilder().setJobId(jobId).build());
      out.printf("%ninterrupted: cancelled job %s%n", jobId);
    } catch (StatusRuntimeException e) {
      out.printf(
          "%ninterrupted: could not cancel job %s (%s); `latentserve jobs cancel %s` stops it%n",
          jobId, e.getStatus().getCode(), jobId);
    }
    out.flush();
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }
}
