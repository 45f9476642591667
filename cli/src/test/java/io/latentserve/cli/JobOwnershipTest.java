package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.stub.StreamObserver;
import io.latentserve.proto.v1.CancelJobRequest;
import io.latentserve.proto.v1.CancelJobResponse;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.ListJobsRequest;
import io.latentserve.proto.v1.ListJobsResponse;
import io.latentserve.proto.v1.TrainerGrpc;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Long commands own their jobs: {@code train} cancels its job when stopped before the job ends, and
 * {@code quickstart} replaces a job an interrupted earlier run left behind. Against a trainer
 * stand-in on a loopback port that records what it is asked.
 */
class JobOwnershipTest {
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private Server server;
  private ManagedChannel channel;
  private TrainerGrpc.TrainerBlockingStub stub;
  private final StringWriter out = new StringWriter();

  @BeforeEach
  void start() throws IOException {
    server =
        ServerBuilder.forPort(0)
            .addService(
                new TrainerGrpc.TrainerImplBase() {
                  @Override
                  public void listJobs(ListJobsRequest r, StreamObserver<ListJobsResponse> o) {
                    o.onNext(ListJobsResponse.newBuilder().addAllJobs(jobs.values()).build());
                    o.onCompleted();
                  }

                  @Override
                  public void cancelJob(CancelJobRequest r, StreamObserver<CancelJobResponse> o) {
                    Job cancelled =
                        jobs.computeIfPresent(
                            r.getJobId(),
                            (id, j) ->
                                j.toBuilder().setState(JobState.JOB_STATE_CANCELLED).build());
                    o.onNext(CancelJobResponse.newBuilder().setJob(cancelled).build());
                    o.onCompleted();
                  }
                })
            .build()
            .start();
    channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    stub = TrainerGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private void job(String id, String model, JobState state) {
    jobs.put(
        id,
        Job.newBuilder()
            .setJobId(id)
            .setState(state)
            .setSpec(JobSpec.newBuilder().setModelName(model))
            .build());
  }

  @Test
  void stoppedBeforeTheJobEnds_cancelsTheJobAndSaysSo() {
    job("j1", "m", JobState.JOB_STATE_RUNNING);

    try (JobOwnership owned = JobOwnership.cancelOnExit(stub, "j1", new PrintWriter(out, true))) {
      owned.run(); // what the shutdown hook runs on Ctrl-C
    }

    assertThat(jobs.get("j1").getState()).isEqualTo(JobState.JOB_STATE_CANCELLED);
    assertThat(out.toString()).contains("interrupted: cancelled job j1");
  }

  @Test
  void stoppedAfterTheJobEnded_leavesItAlone() {
    job("j1", "m", JobState.JOB_STATE_SUCCEEDED);

    try (JobOwnership owned = JobOwnership.cancelOnExit(stub, "j1", new PrintWriter(out, true))) {
      owned.ended();
      owned.run();
    }

    assertThat(jobs.get("j1").getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void quickstart_jobLeftRunningByAnInterruptedRun_isReplaced() {
    job("old", "quickstart-vae", JobState.JOB_STATE_RUNNING);
    job("queued", "quickstart-vae", JobState.JOB_STATE_QUEUED);
    job("done", "quickstart-vae", JobState.JOB_STATE_SUCCEEDED);
    job("other", "someone-elses", JobState.JOB_STATE_RUNNING);

    List<String> cancelled =
        QuickstartCommand.replaceEarlierJobs(stub, "quickstart-vae", new PrintWriter(out, true));

    assertThat(cancelled).containsExactlyInAnyOrder("old", "queued");
    assertThat(jobs.get("other").getState()).isEqualTo(JobState.JOB_STATE_RUNNING);
    assertThat(jobs.get("done").getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    assertThat(out.toString())
        .contains("cancelled job old of quickstart-vae left RUNNING by an earlier quickstart");
  }

  @Test
  void jobsTable_longIds_keepsColumnsAligned() {
    job("0f8e5a8c-3a51-4d77-9a0e-4a5a8f3b2c10", "mnist-iwae", JobState.JOB_STATE_RUNNING);
    job("j2", "m", JobState.JOB_STATE_CANCELLED);

    JobsCommand.printTable(new PrintWriter(out, true), List.copyOf(jobs.values()));

    List<String> lines = out.toString().lines().toList();
    int stateColumn = lines.get(0).indexOf("STATE");
    assertThat(lines).hasSize(3);
    for (String line : lines.subList(1, 3)) {
      assertThat(line.substring(stateColumn)).matches("(RUNNING|CANCELLED)\\s+\\d.*");
    }
    assertThat(out.toString()).doesNotContain("JOB_STATE_");
  }
}
