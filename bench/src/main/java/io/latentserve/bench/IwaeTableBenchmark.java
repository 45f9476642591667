package io.latentserve.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.latentserve.cli.LocalServices;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.proto.v1.Architecture;
import io.latentserve.proto.v1.DatasetSplit;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.Optimizer;
import io.latentserve.proto.v1.RwsPhi;
import io.latentserve.proto.v1.StochasticLayerSpec;
import io.latentserve.proto.v1.SubmitJobRequest;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.proto.v1.WatchJobRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Tables of models trained, served and evaluated on mnist-10k through the real services: a
 * trainer-service trains each model with the same budget (epochs, batch 100, Adam, learning rate
 * 1e-3, seed 1), an inference-service hot-loads the bundles, and an evaluator-service computes the
 * test log-likelihood with k = 5000 importance samples.
 *
 * <ul>
 *   <li>{@code iwae}: the IWAE paper's table (Burda et al. 2016, table 1, MNIST).
 *   <li>{@code families}: a one-layer sigmoid belief net of 200 Bernoulli units (linear networks,
 *       learned prior) trained with VIMCO k=5 and with reweighted wake-sleep (wake and sleep) k=5,
 *       beside a one-layer model of 200 Gaussian units with the same linear networks trained with
 *       IWAE k=5.
 * </ul>
 *
 * <p>Usage: {@code bench/run iwae-table [--table iwae|families] [--epochs E] [--k 5000] [--data-dir
 * DIR] [--work DIR] [--only NAME]}. It prints one line per epoch while training and the table at
 * the end, with the training steps per second the trainer reported in the last epoch.
 */
public final class IwaeTableBenchmark {
  private static final String DATASET = "mnist-10k";

  /**
   * One row of a table: what to train, and the published NLL to compare with (NaN for none).
   *
   * @param layers the description in the table's first column, e.g. "1" or "200 bernoulli"
   * @param objective the objective's name in the table, e.g. "IWAE", "RWS (wake+sleep)"
   */
  private record Row(
      String name,
      String layers,
      String objective,
      int k,
      Architecture architecture,
      Objective trainingObjective,
      double paper) {}

  private static Row iwaeRow(
      String name, Architecture.Preset preset, boolean iwae, int k, double paper) {
    Objective objective =
        iwae
            ? Objective.newBuilder().setIwae(Objective.Iwae.newBuilder().setK(k)).build()
            : Objective.newBuilder().setElbo(Objective.Elbo.getDefaultInstance()).build();
    return new Row(
        name,
        preset == Architecture.Preset.PRESET_IWAE_1_LAYER ? "1" : "2",
        iwae ? "IWAE" : "VAE",
        k,
        Architecture.newBuilder()
            .setPreset(preset)
            .setActivation(io.latentserve.proto.v1.Activation.ACTIVATION_TANH)
            .setLikelihood(Likelihood.LIKELIHOOD_BERNOULLI)
            .build(),
        objective,
        paper);
  }

  private static final List<Row> IWAE_ROWS =
      List.of(
          iwaeRow("vae-1layer-k1", Architecture.Preset.PRESET_IWAE_1_LAYER, false, 1, 86.76),
          iwaeRow("iwae-1layer-k5", Architecture.Preset.PRESET_IWAE_1_LAYER, true, 5, 85.54),
          iwaeRow("iwae-1layer-k50", Architecture.Preset.PRESET_IWAE_1_LAYER, true, 50, 84.78),
          iwaeRow("vae-2layer-k1", Architecture.Preset.PRESET_IWAE_2_LAYER, false, 1, 85.33),
          iwaeRow("iwae-2layer-k5", Architecture.Preset.PRESET_IWAE_2_LAYER, true, 5, 83.89));

  /** One linear layer of 200 units of {@code family}, Bernoulli pixels. */
  private static Architecture linear200(LatentFamily family) {
    return Architecture.newBuilder()
        .addLayers(StochasticLayerSpec.newBuilder().setLatentDim(200).setFamily(family))
        .setActivation(io.latentserve.proto.v1.Activation.ACTIVATION_TANH)
        .setLikelihood(Likelihood.LIKELIHOOD_BERNOULLI)
        .build();
  }

  private static final List<Row> FAMILY_ROWS =
      List.of(
          new Row(
              "sbn200-vimco-k5",
              "200 bernoulli",
              "VIMCO",
              5,
              linear200(LatentFamily.LATENT_FAMILY_BERNOULLI),
              Objective.newBuilder().setVimco(Objective.Vimco.newBuilder().setK(5)).build(),
              Double.NaN),
          new Row(
              "sbn200-rws-k5",
              "200 bernoulli",
              "RWS (wake+sleep)",
              5,
              linear200(LatentFamily.LATENT_FAMILY_BERNOULLI),
              Objective.newBuilder()
                  .setRws(Objective.Rws.newBuilder().setK(5).setPhi(RwsPhi.RWS_PHI_BOTH))
                  .build(),
              Double.NaN),
          new Row(
              "gauss200-iwae-k5",
              "200 gaussian",
              "IWAE",
              5,
              linear200(LatentFamily.LATENT_FAMILY_GAUSSIAN),
              Objective.newBuilder().setIwae(Objective.Iwae.newBuilder().setK(5)).build(),
              Double.NaN));

  private List<Row> rows = IWAE_ROWS;
  private String table = "iwae";

  private int epochs = 10;
  private int evalK = 5000;
  private String dataDir;
  private Path work;
  private String only = "";

  private IwaeTableBenchmark() {}

  public static void main(String[] args) throws Exception {
    IwaeTableBenchmark b = new IwaeTableBenchmark();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--epochs" -> b.epochs = Integer.parseInt(args[++i]);
        case "--k" -> b.evalK = Integer.parseInt(args[++i]);
        case "--data-dir" -> b.dataDir = args[++i];
        case "--work" -> b.work = Path.of(args[++i]);
        case "--only" -> b.only = args[++i];
        case "--table" -> {
          b.table = args[++i];
          b.rows =
              switch (b.table) {
                case "iwae" -> IWAE_ROWS;
                case "families" -> FAMILY_ROWS;
                default ->
                    throw new IllegalArgumentException(
                        "--table must be iwae or families, got " + b.table);
              };
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    b.run();
  }

  private void run() throws IOException {
    Path data = DatasetCatalog.resolveDataDir(dataDir, System.getenv()).toAbsolutePath();
    if (work == null) {
      work = Files.createTempDirectory("latentserve-iwae-table");
    }
    System.out.printf(
        "%s table on %s: %d epochs per model, test IW-LL with k=%d; data %s, work %s%n",
        table, DATASET, epochs, evalK, data, work);
    try (LocalServices services = new LocalServices(work, data)) {
      services.start().awaitServing(Duration.ofMinutes(3));
      ServiceProcess inference = services.inference();
      ServiceProcess trainer = services.trainer();
      ServiceProcess evaluator = services.evaluator();
      List<String> lines = new ArrayList<>();
      for (Row row : rows) {
        if (!row.name().contains(only)) {
          continue;
        }
        Instant trainStart = Instant.now();
        Trained trained = train(trainer, row);
        Job job = trained.job();
        Duration trainTime = Duration.between(trainStart, Instant.now());
        LocalServices.awaitServed(inference, job.getPublished());
        EvaluationReport report = evaluate(evaluator, job.getPublished());
        String line =
            String.format(
                Locale.ROOT,
                "| %s | %s | %d | %.2f | %.2f +- %.2f | %.2f | %s | %.2f | %.1f | %s | %.0f |",
                row.layers(),
                row.objective(),
                row.k(),
                row.paper(),
                -report.getIwll().getValue(),
                report.getIwll().getStandardError(),
                -report.getElbo().getValue(),
                activeUnits(report),
                job.getEpoch() == 0 ? Double.NaN : -finalTrainBound(job),
                trained.stepsPerSecond(),
                format(trainTime),
                report.getWallTime().getSeconds() + report.getWallTime().getNanos() / 1e9);
        lines.add(line);
        System.out.println(line);
      }
      System.out.println();
      System.out.println(
          "| layers | objective | k | paper NLL | test NLL (k="
              + evalK
              + ") | test -ELBO |"
              + " active units | train -bound | steps/s | train time | eval s |");
      System.out.println(
          "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
      lines.forEach(System.out::println);
    }
  }

  /** Active units per stochastic layer, layer 1 first, e.g. "19" or "22+6". */
  private static String activeUnits(EvaluationReport report) {
    return String.join(
        "+",
        report.getLayersList().stream().map(l -> Integer.toString(l.getActiveUnits())).toList());
  }

  private double finalTrainBound(Job job) {
    return job.getPublished().getProvenance().getFinalMetricsMap().entrySet().stream()
        .filter(e -> e.getKey().startsWith("train_") && !e.getKey().equals("train_loss"))
        .mapToDouble(e -> e.getValue())
        .findFirst()
        .orElse(Double.NaN);
  }

  /** A finished job and the trainer's steps per second in its last training epoch. */
  private record Trained(Job job, double stepsPerSecond) {}

  private Trained train(ServiceProcess trainer, Row row) {
    JobSpec spec =
        JobSpec.newBuilder()
            .setModelName(row.name())
            .setDataset(DATASET)
            .setArchitecture(row.architecture())
            .setObjective(row.trainingObjective())
            .setOptimizer(Optimizer.newBuilder().setLearningRate(1e-3).setBatchSize(100))
            .setEpochs(epochs)
            .setSeed(1)
            // the evaluator measures the test log-likelihood; the trainer's own bound can be cheap
            .setValidationK(50)
            .build();
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(trainer.target()).usePlaintext().build();
    try {
      TrainerGrpc.TrainerBlockingStub stub = TrainerGrpc.newBlockingStub(channel);
      Job job =
          stub.withDeadlineAfter(30, TimeUnit.SECONDS)
              .submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build())
              .getJob();
      Iterator<JobEvent> events =
          stub.watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build());
      int lastEpoch = -1;
      Job last = job;
      double stepsPerSecond = Double.NaN;
      while (events.hasNext()) {
        JobEvent event = events.next();
        last = event.getJob();
        if (event.getStepsPerSecond() > 0) {
          stepsPerSecond = event.getStepsPerSecond();
        }
        if (last.getEpoch() != lastEpoch || isTerminal(last.getState())) {
          lastEpoch = last.getEpoch();
          System.out.printf(
              Locale.ROOT,
              "  %s: epoch %d/%d, step %d/%d, loss %.3f, %.1f steps/s%n",
              row.name(),
              last.getEpoch(),
              epochs,
              last.getStep(),
              last.getTotalSteps(),
              event.getLoss(),
              event.getStepsPerSecond());
        }
      }
      if (last.getState() != JobState.JOB_STATE_SUCCEEDED) {
        throw new IllegalStateException(
            row.name() + " ended " + last.getState() + ": " + last.getReason());
      }
      return new Trained(last, stepsPerSecond);
    } finally {
      channel.shutdownNow();
    }
  }

  private static boolean isTerminal(JobState state) {
    return state == JobState.JOB_STATE_SUCCEEDED
        || state == JobState.JOB_STATE_FAILED
        || state == JobState.JOB_STATE_CANCELLED;
  }

  private EvaluationReport evaluate(ServiceProcess evaluator, ModelInfo published) {
    EvaluateRequest request =
        EvaluateRequest.newBuilder()
            .setModel(
                ModelRef.newBuilder()
                    .setName(published.getName())
                    .setVersion(published.getVersion()))
            .setDataset(DatasetSplit.newBuilder().setName(DATASET).setSplit("test"))
            .setK(evalK)
            .addMetrics(Metric.METRIC_IWLL)
            .addMetrics(Metric.METRIC_ELBO)
            .addMetrics(Metric.METRIC_RATES)
            .addMetrics(Metric.METRIC_ACTIVE_UNITS)
            .setSeed(1)
            .setLabel("iwae-table")
            .build();
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(evaluator.target()).usePlaintext().build();
    try {
      Iterator<EvaluateEvent> events =
          EvaluatorGrpc.newBlockingStub(channel)
              .withDeadlineAfter(2, TimeUnit.HOURS)
              .evaluate(request);
      while (events.hasNext()) {
        EvaluateEvent event = events.next();
        if (event.hasReport()) {
          return event.getReport();
        }
      }
      throw new IllegalStateException("the evaluator closed the stream without a report");
    } finally {
      channel.shutdownNow();
    }
  }

  private static String format(Duration d) {
    return String.format(Locale.ROOT, "%dm%02ds", d.toMinutes(), d.toSecondsPart());
  }
}
