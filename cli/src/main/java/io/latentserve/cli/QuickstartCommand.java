package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.latentserve.proto.v1.CancelJobRequest;
import io.latentserve.proto.v1.DatasetSplit;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.ListJobsRequest;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.SubmitJobRequest;
import io.latentserve.proto.v1.TrainerGrpc;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code latentserve quickstart}: the whole pipeline on one machine. Fetches a real dataset, starts
 * the three services as local processes on free ports over a filesystem model repository, trains a
 * small VAE with live progress, waits until inference-service serves it, evaluates it, prints the
 * summary and where the report is, and stops the services (also on Ctrl-C).
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description =
        "Run latentserve end to end on this machine: fetch data, start the three services, train a VAE, "
            + "evaluate it, stop.")
final class QuickstartCommand implements Callable<Integer> {
  private static final int STEPS = 6;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** The training job while it runs, for the Ctrl-C hook to cancel. */
  private volatile JobOwnership training;

  @Option(
      names = "--workdir",
      defaultValue = "quickstart",
      description =
          "Folder for the model repository, jobs, reports and service logs (default: ${DEFAULT-VALUE}).")
  Path workdir;

  @Option(
      names = "--data-dir",
      description = "Dataset folder (env LATENTSERVE_DATA_DIR; default ./data).")
  String dataDir;

  @Option(
      names = "--dataset",
      defaultValue = "mnist-10k",
      description = "Catalogue dataset (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(
      names = "--model",
      defaultValue = "quickstart-vae",
      description = "Model name (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--epochs",
      defaultValue = "5",
      description = "Training epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--objective",
      defaultValue = "iwae",
      description =
          "Training objective: elbo, iwae, dreg or info-vae as in `train` (default:"
              + " ${DEFAULT-VALUE}).")
  String objective;

  @Option(
      names = "--train-k",
      description =
          "Samples of the iwae and dreg objectives, refused with the others (default: "
              + TrainCommand.DEFAULT_K
              + ").")
  Integer trainK;

  @Option(
      names = "--eval-k",
      defaultValue = "1000",
      description = "Importance samples of the evaluation (default: ${DEFAULT-VALUE}).")
  int evalK;

  @Option(
      names = "--eval-examples",
      defaultValue = "1000",
      description = "Test images evaluated; 0 for all (default: ${DEFAULT-VALUE}).")
  int evalExamples;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    long started = System.nanoTime();
    // Every flag is checked before anything starts: a typo must not cost a service start-up.
    if (objective.equalsIgnoreCase("beta-vae")) {
      throw new CliException(
          "--objective beta-vae needs --beta, which quickstart does not take; run `latentserve train"
              + " --objective beta-vae --beta B` against running services");
    }
    if (objective.equalsIgnoreCase("lag-vae")) {
      throw new CliException(
          "--objective lag-vae needs --mi, --e1 and --e2, which quickstart does not take; run"
              + " `latentserve train --objective lag-vae --mi M --e1 E1 --e2 E2` against running"
              + " services");
    }
    if (trainK != null
        && !objective.equalsIgnoreCase("iwae")
        && !objective.equalsIgnoreCase("dreg")) {
      throw new CliException(
          "--train-k needs --objective iwae or dreg (--objective "
              + objective
              + " draws one sample)");
    }
    JobSpec jobSpec = trainCommand().jobSpec();
    Path data =
        io.latentserve.datasets.DatasetCatalog.resolveDataDir(dataDir, System.getenv())
            .toAbsolutePath();
    Path work = Files.createDirectories(workdir).toAbsolutePath();

    step(out, 1, "dataset " + dataset);
    DataCommand.ensureDataset(dataset, data, out);

    step(out, 2, "services");
    LocalServices services = new LocalServices(work, data);
    Thread stopOnCtrlC =
        new Thread(
            () -> {
              // The job first, while the trainer still runs: a job left running would be resumed
              // by the next quickstart's trainer.
              JobOwnership job = training;
              if (job != null) {
                job.run();
              }
              services.close();
              out.printf(
                  "quickstart interrupted: services stopped (logs in %s)%n", services.logs());
              out.flush();
            },
            "quickstart-stop");
    Runtime.getRuntime().addShutdownHook(stopOnCtrlC);
    try {
      services.start().awaitServing(Duration.ofMinutes(3));
      ServiceProcess inference = services.inference();
      ServiceProcess trainer = services.trainer();
      ServiceProcess evaluator = services.evaluator();
      out.printf(
          "      inference %s, trainer %s, evaluator %s serving (logs in %s)%n",
          inference.target(), trainer.target(), evaluator.target(), services.logs());

      step(
          out,
          3,
          "train "
              + model
              + " (IWAE paper 1-layer architecture, "
              + objective
              + ", "
              + ProgressBar.count(epochs, "epoch")
              + ")");
      ModelInfo published = train(out, trainer, jobSpec);

      step(
          out,
          4,
          "wait for inference-service to serve "
              + published.getName()
              + "/"
              + published.getVersion());
      LocalServices.awaitServed(inference, published);

      step(
          out,
          5,
          "evaluate (k="
              + evalK
              + ", "
              + (evalExamples == 0 ? "all" : evalExamples)
              + " test images)");
      EvaluationReport report = evaluate(out, evaluator, published);
      EvalCommand.printSummary(out, report);

      step(out, 6, "stop");
      services.stop(Duration.ofSeconds(30));
      out.printf(
          "      services stopped; quickstart took %s%n",
          ProgressBar.format(Duration.ofNanos(System.nanoTime() - started)));
      return 0;
    } finally {
      services.close();
      Runtime.getRuntime().removeShutdownHook(stopOnCtrlC);
    }
  }

  private TrainCommand trainCommand() {
    TrainCommand train = new TrainCommand();
    train.model = model;
    train.dataset = dataset;
    train.preset = "iwae1";
    train.activation = "tanh";
    train.likelihood = "bernoulli";
    train.objective = objective;
    train.k = trainK;
    train.epochs = epochs;
    train.batchSize = 100;
    train.learningRate = 1e-3;
    train.seed = 1;
    // The evaluator measures the model properly; the trainer's own validation bound only needs to
    // be cheap.
    train.validationK = 50;
    return train;
  }

  private ModelInfo train(PrintWriter out, ServiceProcess trainer, JobSpec jobSpec) {
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(trainer.target()).usePlaintext().build();
    try {
      TrainerGrpc.TrainerBlockingStub stub = TrainerGrpc.newBlockingStub(channel);
      replaceEarlierJobs(stub, model, out);
      Job job =
          stub.withDeadlineAfter(30, TimeUnit.SECONDS)
              .submitJob(SubmitJobRequest.newBuilder().setSpec(jobSpec).build())
              .getJob();
      training = JobOwnership.owned(stub, job.getJobId(), out);
      Job last = TrainCommand.follow(stub, job.getJobId(), out);
      training.ended();
      if (TrainCommand.report(last, out) != 0 || last.getState() != JobState.JOB_STATE_SUCCEEDED) {
        throw new CliException(
            "training failed: " + last.getReason() + " (see " + trainer.log() + ")");
      }
      return last.getPublished();
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * Quickstart owns its jobs: a job for {@code model} still queued or running in the work folder
   * (an earlier quickstart interrupted before its job ended, which the trainer resumed) is
   * cancelled so that this run's job replaces it.
   *
   * @return the ids of the jobs cancelled
   */
  static List<String> replaceEarlierJobs(
      TrainerGrpc.TrainerBlockingStub stub, String model, PrintWriter out) {
    List<String> cancelled = new ArrayList<>();
    for (Job job :
        stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .listJobs(ListJobsRequest.getDefaultInstance())
            .getJobsList()) {
      if (job.getSpec().getModelName().equals(model) && !Jobs.ended(job)) {
        stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .cancelJob(CancelJobRequest.newBuilder().setJobId(job.getJobId()).build());
        out.printf(
            "      cancelled job %s of %s left %s by an earlier quickstart%n",
            job.getJobId(), model, Jobs.state(job));
        cancelled.add(job.getJobId());
      }
    }
    return cancelled;
  }

  private EvaluationReport evaluate(
      PrintWriter out, ServiceProcess evaluator, ModelInfo published) {
    EvaluateRequest request =
        EvaluateRequest.newBuilder()
            .setModel(
                ModelRef.newBuilder()
                    .setName(published.getName())
                    .setVersion(published.getVersion()))
            .setDataset(
                DatasetSplit.newBuilder().setName(dataset).setSplit("test").setLimit(evalExamples))
            .setK(evalK)
            .setSeed(1)
            .setLabel("quickstart")
            .build();
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(evaluator.target()).usePlaintext().build();
    try {
      return EvalCommand.evaluate(channel, request, Duration.ofMinutes(30), out);
    } finally {
      channel.shutdownNow();
    }
  }

  private static void step(PrintWriter out, int step, String what) {
    out.printf("[%d/%d] %s%n", step, STEPS, what);
    out.flush();
  }
}
