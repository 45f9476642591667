package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.latentserve.proto.v1.CancelJobRequest;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.ListJobsRequest;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.server.security.ChannelSecurity;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code latentserve jobs}: lists, follows and cancels training jobs. */
@Command(
    name = "jobs",
    mixinStandardHelpOptions = true,
    description = "List training jobs; `jobs watch ID` follows one, `jobs cancel ID` stops one.",
    subcommands = {JobsCommand.Watch.class, JobsCommand.Cancel.class})
final class JobsCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--trainer",
      scope = picocli.CommandLine.ScopeType.INHERIT,
      defaultValue = "${env:LATENTSERVE_TRAINER_TARGET:-localhost:50052}",
      description =
          "trainer-service address (env LATENTSERVE_TRAINER_TARGET; default: ${DEFAULT-VALUE}).")
  String trainer;

  @picocli.CommandLine.Mixin ClientSecurityOptions security;

  @Override
  public Integer call() {
    return withStub(
        trainer,
        security.security(),
        stub -> {
          PrintWriter out = spec.commandLine().getOut();
          var jobs = stub.listJobs(ListJobsRequest.getDefaultInstance()).getJobsList();
          if (jobs.isEmpty()) {
            out.println("no jobs");
            return 0;
          }
          printTable(out, jobs);
          return 0;
        });
  }

  /** The jobs as a table whose columns fit their widest value. */
  static void printTable(PrintWriter out, List<Job> jobs) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"JOB", "MODEL", "STATE", "EPOCH", "STEP", "PUBLISHED"});
    for (Job j : jobs) {
      rows.add(
          new String[] {
            j.getJobId(),
            j.getSpec().getModelName(),
            Jobs.state(j),
            j.getEpoch() + "/" + j.getSpec().getEpochs(),
            j.getStep() + "/" + j.getTotalSteps(),
            j.hasPublished() ? j.getPublished().getName() + "/" + j.getPublished().getVersion() : ""
          });
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        line.append(c == 0 ? "" : "  ")
            .append(String.format(Locale.ROOT, "%-" + widths[c] + "s", row[c]));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  interface StubCall {
    int call(TrainerGrpc.TrainerBlockingStub stub);
  }

  static int withStub(String target, ChannelSecurity security, StubCall call) {
    ManagedChannel channel = ServiceChannels.open("trainer-service", target, security);
    try {
      return call.call(
          TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow();
    }
  }

  @Command(
      name = "watch",
      mixinStandardHelpOptions = true,
      description = "Follow a job until it ends.")
  static final class Watch implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.ParentCommand JobsCommand parent;

    @Parameters(index = "0", paramLabel = "ID", description = "Job id.")
    String jobId;

    @Override
    public Integer call() {
      ManagedChannel channel =
          ServiceChannels.open("trainer-service", parent.trainer, parent.security.security());
      try {
        PrintWriter out = spec.commandLine().getOut();
        return TrainCommand.report(
            TrainCommand.follow(TrainerGrpc.newBlockingStub(channel), jobId, out), out);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Stop a queued or running job.")
  static final class Cancel implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.ParentCommand JobsCommand parent;

    @Parameters(index = "0", paramLabel = "ID", description = "Job id.")
    String jobId;

    @Override
    public Integer call() {
      return withStub(
          parent.trainer,
          parent.security.security(),
          stub -> {
            Job job =
                stub.cancelJob(CancelJobRequest.newBuilder().setJobId(jobId).build()).getJob();
            spec.commandLine().getOut().printf("job %s: %s%n", job.getJobId(), Jobs.state(job));
            return 0;
          });
    }
  }
}
