package io.latentserve.trainer.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.latentserve.proto.v1.CancelJobRequest;
import io.latentserve.proto.v1.CancelJobResponse;
import io.latentserve.proto.v1.GetJobRequest;
import io.latentserve.proto.v1.GetJobResponse;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.ListJobsRequest;
import io.latentserve.proto.v1.ListJobsResponse;
import io.latentserve.proto.v1.SubmitJobRequest;
import io.latentserve.proto.v1.SubmitJobResponse;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.proto.v1.WatchJobRequest;
import io.latentserve.server.security.Caller;
import io.latentserve.trainer.core.Job;
import io.latentserve.trainer.core.JobManager;
import io.latentserve.trainer.core.TrainingSpec;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The Trainer service: validates, maps, calls the {@link JobManager}, maps back. Errors go through
 * {@link GrpcErrors}.
 *
 * <p>WatchJob respects flow control: while the client is not ready for more, newer events replace
 * an unsent one (the stream conflates), and the terminal event is always delivered last. A client
 * that disconnects only ends its subscription: the job keeps running.
 */
public final class TrainerGrpcService extends TrainerGrpc.TrainerImplBase {
  private final JobManager jobs;

  public TrainerGrpcService(JobManager jobs) {
    this.jobs = Objects.requireNonNull(jobs, "jobs");
  }

  @Override
  public void submitJob(SubmitJobRequest request, StreamObserver<SubmitJobResponse> response) {
    unary(
        response,
        () -> {
          if (!request.hasSpec()) {
            throw Status.INVALID_ARGUMENT.withDescription("spec is required").asRuntimeException();
          }
          TrainingSpec spec =
              ProtoMapping.trainingSpec(
                  request.getSpec(), jobs.datasetShape(request.getSpec().getDataset()));
          // Who publishes under a model name is the train role's: the version records who it was.
          Job job = jobs.submit(spec, Caller.currentSubject().orElse(""));
          return SubmitJobResponse.newBuilder().setJob(ProtoMapping.job(job)).build();
        });
  }

  @Override
  public void getJob(GetJobRequest request, StreamObserver<GetJobResponse> response) {
    unary(
        response,
        () ->
            GetJobResponse.newBuilder()
                .setJob(ProtoMapping.job(jobs.get(jobId(request.getJobId()))))
                .build());
  }

  @Override
  public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> response) {
    unary(
        response,
        () -> {
          ListJobsResponse.Builder b = ListJobsResponse.newBuilder();
          jobs.list().forEach(j -> b.addJobs(ProtoMapping.job(j)));
          return b.build();
        });
  }

  @Override
  public void cancelJob(CancelJobRequest request, StreamObserver<CancelJobResponse> response) {
    unary(
        response,
        () ->
            CancelJobResponse.newBuilder()
                .setJob(ProtoMapping.job(jobs.cancel(jobId(request.getJobId()))))
                .build());
  }

  @Override
  public void watchJob(WatchJobRequest request, StreamObserver<JobEvent> response) {
    ServerCallStreamObserver<JobEvent> call = (ServerCallStreamObserver<JobEvent>) response;
    ConflatingStream stream = new ConflatingStream(call);
    call.setOnReadyHandler(stream::drain);
    try {
      JobManager.Subscription subscription =
          jobs.watch(
              jobId(request.getJobId()),
              event -> stream.offer(ProtoMapping.event(event.job())),
              stream::end);
      call.setOnCancelHandler(subscription::close);
    } catch (RuntimeException e) {
      stream.end(e);
    }
  }

  private static String jobId(String jobId) {
    if (jobId.isEmpty()) {
      throw Status.INVALID_ARGUMENT.withDescription("job_id is required").asRuntimeException();
    }
    return jobId;
  }

  private static <T> void unary(StreamObserver<T> response, Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      response.onError(GrpcErrors.toStatusException(e));
      return;
    }
    response.onNext(value);
    response.onCompleted();
  }

  /**
   * Sends the latest event when the transport is ready; an unsent event is replaced by a newer one.
   * The end (completion or error) follows the last event.
   */
  private static final class ConflatingStream {
    private final ServerCallStreamObserver<JobEvent> call;
    private JobEvent pending;
    private boolean ending;
    private Throwable error;
    private boolean done;

    ConflatingStream(ServerCallStreamObserver<JobEvent> call) {
      this.call = call;
    }

    synchronized void offer(JobEvent event) {
      pending = event;
      drain();
    }

    synchronized void end(Throwable failure) {
      ending = true;
      error = failure;
      drain();
    }

    synchronized void drain() {
      if (done || call.isCancelled()) {
        return;
      }
      if (pending != null && call.isReady()) {
        call.onNext(pending);
        pending = null;
      }
      if (pending == null && ending) {
        done = true;
        if (error == null) {
          call.onCompleted();
        } else {
          call.onError(GrpcErrors.toStatusException(error));
        }
      }
    }
  }
}
