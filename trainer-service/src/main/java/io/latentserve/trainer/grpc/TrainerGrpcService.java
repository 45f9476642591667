package io.latentserve.trainer.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.latentserve.proto.v1.CancelJobRequest;
import io.latentserve.proto.v1.CancelJobResponse;
import io.latentserve.proto.v1.CancelSweepRequest;
import io.latentserve.proto.v1.CancelSweepResponse;
import io.latentserve.proto.v1.GetJobRequest;
import io.latentserve.proto.v1.GetJobResponse;
import io.latentserve.proto.v1.GetSweepRequest;
import io.latentserve.proto.v1.GetSweepResponse;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.ListJobsRequest;
import io.latentserve.proto.v1.ListJobsResponse;
import io.latentserve.proto.v1.ListSweepsRequest;
import io.latentserve.proto.v1.ListSweepsResponse;
import io.latentserve.proto.v1.SubmitJobRequest;
import io.latentserve.proto.v1.SubmitJobResponse;
import io.latentserve.proto.v1.SubmitSweepRequest;
import io.latentserve.proto.v1.SubmitSweepResponse;
import io.latentserve.proto.v1.SweepEvent;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.proto.v1.WatchJobRequest;
import io.latentserve.proto.v1.WatchSweepRequest;
import io.latentserve.server.security.Caller;
import io.latentserve.trainer.core.Job;
import io.latentserve.trainer.core.JobManager;
import io.latentserve.trainer.core.SweepManager;
import io.latentserve.trainer.core.SweepView;
import io.latentserve.trainer.core.TrainingSpec;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The Trainer service: validates, maps, calls the {@link JobManager} (jobs) or {@link SweepManager}
 * (sweeps), maps back. Errors go through {@link GrpcErrors}.
 *
 * <p>WatchJob respects flow control: while the client is not ready for more, newer events replace
 * an unsent one (the stream conflates), and the terminal event is always delivered last. A client
 * that disconnects only ends its subscription: the job keeps running.
 */
public final class TrainerGrpcService extends TrainerGrpc.TrainerImplBase {
  private final JobManager jobs;
  private final SweepManager sweeps;

  public TrainerGrpcService(JobManager jobs, SweepManager sweeps) {
    this.jobs = Objects.requireNonNull(jobs, "jobs");
    this.sweeps = Objects.requireNonNull(sweeps, "sweeps");
  }

  @Override
  public void submitSweep(
      SubmitSweepRequest request, StreamObserver<SubmitSweepResponse> response) {
    unary(
        response,
        () -> {
          if (!request.hasBase()) {
            throw Status.INVALID_ARGUMENT
                .withDescription("base: expected a base spec, got none")
                .asRuntimeException();
          }
          if (request.getModelName().isEmpty()) {
            throw Status.INVALID_ARGUMENT
                .withDescription("model_name: expected the sweep's model name, got empty")
                .asRuntimeException();
          }
          // The base is validated as a spec under the first point's name.
          JobSpec base =
              request.getBase().toBuilder().setModelName(request.getModelName() + "-0").build();
          TrainingSpec spec = ProtoMapping.trainingSpec(base, jobs.datasetShape(base.getDataset()));
          SweepView sweep =
              sweeps.submit(
                  spec,
                  request.getModelName(),
                  SweepMapping.groups(request.getGroupsList()),
                  Caller.currentSubject().orElse(""));
          return SubmitSweepResponse.newBuilder().setSweep(SweepMapping.sweep(sweep)).build();
        });
  }

  @Override
  public void getSweep(GetSweepRequest request, StreamObserver<GetSweepResponse> response) {
    unary(
        response,
        () ->
            GetSweepResponse.newBuilder()
                .setSweep(SweepMapping.sweep(sweeps.get(sweepId(request.getSweepId()))))
                .build());
  }

  @Override
  public void listSweeps(ListSweepsRequest request, StreamObserver<ListSweepsResponse> response) {
    unary(
        response,
        () -> {
          ListSweepsResponse.Builder b = ListSweepsResponse.newBuilder();
          sweeps.list().forEach(s -> b.addSweeps(SweepMapping.sweep(s)));
          return b.build();
        });
  }

  @Override
  public void cancelSweep(
      CancelSweepRequest request, StreamObserver<CancelSweepResponse> response) {
    unary(
        response,
        () ->
            CancelSweepResponse.newBuilder()
                .setSweep(SweepMapping.sweep(sweeps.cancel(sweepId(request.getSweepId()))))
                .build());
  }

  @Override
  public void watchSweep(WatchSweepRequest request, StreamObserver<SweepEvent> response) {
    ServerCallStreamObserver<SweepEvent> call = (ServerCallStreamObserver<SweepEvent>) response;
    ConflatingStream<SweepEvent> stream = new ConflatingStream<>(call);
    call.setOnReadyHandler(stream::drain);
    try {
      JobManager.Subscription subscription =
          sweeps.watch(
              sweepId(request.getSweepId()),
              view ->
                  stream.offer(SweepEvent.newBuilder().setSweep(SweepMapping.sweep(view)).build()),
              stream::end);
      call.setOnCancelHandler(subscription::close);
    } catch (RuntimeException e) {
      stream.end(e);
    }
  }

  private static String sweepId(String sweepId) {
    if (sweepId.isEmpty()) {
      throw Status.INVALID_ARGUMENT
          .withDescription("sweep_id: expected a sweep id, got empty")
          .asRuntimeException();
    }
    return sweepId;
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
    ConflatingStream<JobEvent> stream = new ConflatingStream<>(call);
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
  private static final class ConflatingStream<T> {
    private final ServerCallStreamObserver<T> call;
    private T pending;
    private boolean ending;
    private Throwable error;
    private boolean done;

    ConflatingStream(ServerCallStreamObserver<T> call) {
      this.call = call;
    }

    synchronized void offer(T event) {
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
