package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.latentserve.proto.v1.CancelSweepRequest;
import io.latentserve.proto.v1.DatasetSplit;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.SubmitSweepRequest;
import io.latentserve.proto.v1.Sweep;
import io.latentserve.proto.v1.SweepAxis;
import io.latentserve.proto.v1.SweepEvent;
import io.latentserve.proto.v1.SweepGroup;
import io.latentserve.proto.v1.SweepMode;
import io.latentserve.proto.v1.SweepPoint;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.proto.v1.WatchSweepRequest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code latentserve sweep}: submits a sweep (the train command's spec options as the base, and
 * axes over spec fields) to trainer-service, follows it with a progress bar, evaluates each
 * published model on the train and test splits through evaluator-service and writes the sweep
 * report; or, with {@code --emit kubernetes DIR}, writes the sweep as a Kubernetes Indexed Job.
 */
@Command(
    name = "sweep",
    description =
        "Train a sweep (the spec options of `train` as the base, --axis over spec fields), then"
            + " evaluate every point and write the sweep report (MI-consistency plane, table).")
final class SweepCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** The base spec: every option of {@code train} (its --model is not used: see --name). */
  @Mixin TrainCommand base;

  @Option(
      names = "--name",
      required = true,
      description = "The sweep's model name: point i publishes NAME-i.")
  String name;

  @Option(
      names = "--axis",
      required = true,
      description =
          "FIELD=V1,V2,... (repeat): a spec field and its values; FIELD is one of mi, e1, e2,"
              + " alpha, lambda, beta, beta_y, beta_z, smoothing, k, objective, seed, epochs, learning_rate,"
              + " batch_size.")
  List<String> axes;

  @Option(
      names = "--grid",
      description =
          "The following --axis options combine as a grid, their cartesian product (the default"
              + " until --zip).")
  boolean grid;

  @Option(
      names = "--zip",
      description =
          "The following --axis options combine side by side (point j takes every axis's j-th"
              + " value); --grid and --zip may alternate to make several groups.")
  boolean zip;

  @Option(
      names = "--evaluator",
      defaultValue = "${env:LATENTSERVE_EVALUATOR_TARGET:-localhost:50053}",
      description =
          "evaluator-service address (env LATENTSERVE_EVALUATOR_TARGET; default: ${DEFAULT-VALUE}).")
  String evaluator;

  @Option(
      names = "--local",
      description =
          "Start inference-, trainer- and evaluator-service locally in this work folder (as"
              + " quickstart does) instead of using --trainer and --evaluator (default: use them).")
  Path local;

  @Option(
      names = "--data-dir",
      description =
          "Dataset folder of the --local services (default: LATENTSERVE_DATA_DIR or the"
              + " catalogue's).")
  String dataDir;

  @Option(
      names = "--eval-examples",
      defaultValue = "2000",
      description =
          "Examples of each split evaluated per point; 0 for all (default: ${DEFAULT-VALUE}).")
  int evalExamples;

  @Option(
      names = "--report",
      defaultValue = "sweep-report",
      description = "Folder of the sweep report; NAME is appended (default: ${DEFAULT-VALUE}).")
  Path reportDir;

  @Option(
      names = "--report-only",
      paramLabel = "SWEEP_ID",
      description =
          "Submit nothing: evaluate the published points of this existing sweep and write its"
              + " report (default: submit a new sweep).")
  String reportOnly;

  @Option(
      names = "--emit",
      arity = "2",
      paramLabel = "kubernetes DIR",
      description =
          "Write the sweep as a Kubernetes Indexed Job and its ConfigMap into DIR instead of"
              + " running it (default: run it).")
  List<String> emit;

  @Option(
      names = "--parallelism",
      defaultValue = "4",
      description = "Pods of the Indexed Job run at once, with --emit (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--image",
      defaultValue = KubernetesSweep.DEFAULT_IMAGE,
      description = "Trainer image of the Indexed Job, with --emit (default: ${DEFAULT-VALUE}).")
  String image;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<SweepGroup> groups = groups(spec.commandLine().getParseResult().originalArgs());
    if (base.model == null) {
      base.model = name + "-0";
    }
    JobSpec baseSpec = base.jobSpec().toBuilder().setModelName(name + "-0").build();
    if (emit != null) {
      if (!emit.get(0).equals("kubernetes")) {
        throw new CliException(
            "--emit takes `kubernetes DIR`, got `" + String.join(" ", emit) + "`");
      }
      Path dir = Path.of(emit.get(1));
      List<Path> files = KubernetesSweep.write(dir, baseSpec, name, groups, parallelism, image);
      files.forEach(f -> out.println("wrote " + f));
      out.println("apply with: kubectl apply -f " + dir);
      return 0;
    }
    if (local == null) {
      return run(out, base.trainer, evaluator, baseSpec, groups);
    }
    Path data =
        io.latentserve.datasets.DatasetCatalog.resolveDataDir(dataDir, System.getenv())
            .toAbsolutePath();
    Path work = Files.createDirectories(local).toAbsolutePath();
    DataCommand.ensureDataset(baseSpec.getDataset(), data, out);
    try (LocalServices services = new LocalServices(work, data)) {
      Runtime.getRuntime().addShutdownHook(new Thread(services::close, "sweep-stop-services"));
      services.start().awaitServing(Duration.ofMinutes(3));
      out.printf(
          "local services serving: trainer %s, evaluator %s (logs in %s)%n",
          services.trainer().target(), services.evaluator().target(), services.logs());
      int code =
          run(out, services.trainer().target(), services.evaluator().target(), baseSpec, groups);
      services.stop(Duration.ofSeconds(30));
      return code;
    }
  }

  private int run(
      PrintWriter out,
      String trainerTarget,
      String evaluatorTarget,
      JobSpec baseSpec,
      List<SweepGroup> groups) {
    long started = System.nanoTime();
    ManagedChannel channel =
        ServiceChannels.open("trainer-service", trainerTarget, base.security.security());
    Sweep sweep;
    try {
      TrainerGrpc.TrainerBlockingStub stub = TrainerGrpc.newBlockingStub(channel);
      if (reportOnly != null) {
        sweep = follow(stub, reportOnly, new PrintWriter(java.io.OutputStream.nullOutputStream()));
        return report(out, evaluatorTarget, baseSpec, sweep, started);
      }
      sweep =
          stub.withDeadlineAfter(30, TimeUnit.SECONDS)
              .submitSweep(
                  SubmitSweepRequest.newBuilder()
                      .setBase(baseSpec)
                      .setModelName(name)
                      .addAllGroups(groups)
                      .build())
              .getSweep();
      if (base.detach) {
        out.println(sweep.getSweepId());
        return 0;
      }
      out.printf(
          "sweep %s: %d points of %s on %s%n",
          sweep.getSweepId(), sweep.getPointsCount(), name, baseSpec.getDataset());
      String id = sweep.getSweepId();
      Thread cancel =
          new Thread(
              () -> {
                try {
                  stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                      .cancelSweep(CancelSweepRequest.newBuilder().setSweepId(id).build());
                  out.printf("%ninterrupted: cancelled sweep %s%n", id);
                } catch (StatusRuntimeException e) {
                  out.printf(
                      "%ninterrupted: could not cancel sweep %s (%s)%n",
                      id, e.getStatus().getCode());
                }
                out.flush();
              },
              "cancel-sweep");
      Runtime.getRuntime().addShutdownHook(cancel);
      sweep = follow(stub, id, out);
      try {
        Runtime.getRuntime().removeShutdownHook(cancel);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs
      }
    } finally {
      channel.shutdownNow();
    }
    return report(out, evaluatorTarget, baseSpec, sweep, started);
  }

  /** Evaluates the sweep's published points and writes its report; the exit code. */
  private int report(
      PrintWriter out, String evaluatorTarget, JobSpec baseSpec, Sweep sweep, long started) {
    Duration trainWall = wallTime(sweep);
    out.printf(
        "sweep %s ended %s: %d of %d points succeeded in %s%s%n",
        sweep.getSweepId(),
        Jobs.name(sweep.getState()),
        sweep.getSucceeded(),
        sweep.getPointsCount(),
        ProgressBar.format(trainWall),
        sweep.getReason().isEmpty() ? "" : " (" + sweep.getReason() + ")");
    List<SweepReport.Point> points = evaluate(out, evaluatorTarget, sweep);
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("sweep", sweep.getSweepId());
    facts.put("model name", sweep.getModelName() + "-<index>");
    facts.put("dataset", sweep.getBase().getDataset());
    facts.put("base spec", com.google.protobuf.TextFormat.shortDebugString(sweep.getBase()));
    facts.put("state", Jobs.name(sweep.getState()));
    facts.put("points", sweep.getSucceeded() + " of " + sweep.getPointsCount() + " succeeded");
    facts.put("training wall time", ProgressBar.format(trainWall));
    facts.put("total wall time", ProgressBar.format(Duration.ofNanos(System.nanoTime() - started)));
    facts.put(
        "evaluated examples per split", evalExamples == 0 ? "all" : Integer.toString(evalExamples));
    facts.put("axes", describe(sweep.getGroupsList()));
    Path html =
        SweepReport.write(reportDir.resolve(name), "sweep " + name, facts, points, grids(sweep));
    out.printf("report: %s%n", html.toAbsolutePath());
    return sweep.getState() == JobState.JOB_STATE_SUCCEEDED ? 0 : 1;
  }

  /** From the sweep's creation to its last point's end, by the trainer's clock. */
  static Duration wallTime(Sweep sweep) {
    long end = sweep.getCreated().getSeconds();
    for (SweepPoint p : sweep.getPointsList()) {
      end = Math.max(end, p.getJob().getUpdated().getSeconds());
    }
    return Duration.ofSeconds(end - sweep.getCreated().getSeconds());
  }

  /** Follows the sweep to its end with a progress bar over the steps of all its points. */
  static Sweep follow(TrainerGrpc.TrainerBlockingStub stub, String sweepId, PrintWriter out) {
    ProgressBar bar = new ProgressBar(out);
    Iterator<SweepEvent> events =
        stub.watchSweep(WatchSweepRequest.newBuilder().setSweepId(sweepId).build());
    Sweep last = null;
    long start = System.nanoTime();
    while (events.hasNext()) {
      last = events.next().getSweep();
      bar.update(
          last.getStep(),
          Math.max(1, last.getTotalSteps()),
          "points " + last.getEnded() + "/" + last.getPointsCount(),
          Duration.ofNanos(System.nanoTime() - start),
          null,
          running(last));
    }
    bar.finish();
    if (last == null) {
      throw new CliException(
          "the trainer closed the stream of sweep " + sweepId + " without an event");
    }
    return last;
  }

  /** The running points, e.g. "running 3 (epoch 2/5) 4 (epoch 1/5)". */
  private static String running(Sweep sweep) {
    StringBuilder b = new StringBuilder();
    for (SweepPoint p : sweep.getPointsList()) {
      if (p.getState() == JobState.JOB_STATE_RUNNING && p.hasJob()) {
        b.append(b.length() == 0 ? "running " : " ")
            .append(p.getIndex())
            .append(" ")
            .append(p.getValuesMap())
            .append(" epoch ")
            .append(p.getJob().getEpoch())
            .append('/')
            .append(p.getSpec().getEpochs());
      }
    }
    return b.toString();
  }

  private List<SweepReport.Point> evaluate(PrintWriter out, String evaluatorTarget, Sweep sweep) {
    List<SweepReport.Point> points = new ArrayList<>();
    ManagedChannel channel =
        ServiceChannels.open("evaluator-service", evaluatorTarget, base.security.security());
    try {
      for (SweepPoint p : sweep.getPointsList()) {
        SweepReport.Split train = SweepReport.Split.NONE;
        SweepReport.Split test = SweepReport.Split.NONE;
        ModelInfo published = p.getJob().getPublished();
        boolean succeeded = p.getState() == JobState.JOB_STATE_SUCCEEDED;
        if (succeeded) {
          out.printf(
              "evaluating %s/%d %s%n",
              published.getName(), published.getVersion(), p.getValuesMap());
          train = split(channel, published, p.getSpec().getDataset(), "train", out);
          test = split(channel, published, p.getSpec().getDataset(), "test", out);
        }
        points.add(
            new SweepReport.Point(
                p.getIndex(),
                p.getValuesMap().entrySet().stream()
                    .collect(
                        LinkedHashMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll),
                family(p.getSpec()),
                specValues(p.getSpec()),
                Jobs.name(p.getState()),
                succeeded ? published.getName() : name + "-" + p.getIndex(),
                succeeded ? published.getVersion() : 0,
                succeeded ? published.getProvenance().getFinalMetricsMap() : Map.of(),
                train,
                test));
      }
    } finally {
      channel.shutdownNow();
    }
    return points;
  }

  private SweepReport.Split split(
      ManagedChannel channel, ModelInfo model, String dataset, String split, PrintWriter out) {
    EvaluateRequest request =
        EvaluateRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName(model.getName()).setVersion(model.getVersion()))
            .setDataset(
                DatasetSplit.newBuilder().setName(dataset).setSplit(split).setLimit(evalExamples))
            .setK(1)
            .addMetrics(Metric.METRIC_ELBO)
            .addMetrics(Metric.METRIC_CONSISTENCY)
            .addMetrics(Metric.METRIC_KDE_MUTUAL_INFORMATION)
            // As LagVAE's evaluation: the KDE fitted to one draw per training example.
            .setKdeFitSplit("train")
            .setKdeFitLimit(evalExamples)
            .setSeed(1)
            .setLabel("sweep " + name + " " + split)
            .build();
    EvaluationReport r;
    try {
      // The evaluator's phases would bury the sweep's output: one line per split instead.
      r =
          EvalCommand.evaluate(
              channel,
              request,
              Duration.ofHours(1),
              new PrintWriter(java.io.OutputStream.nullOutputStream()));
    } catch (StatusRuntimeException e) {
      out.printf("  %s split: evaluation failed (%s)%n", split, e.getStatus());
      return SweepReport.Split.NONE;
    }
    double nll = r.getDistortion().getValue();
    double kl = r.getTotalRate().getValue();
    out.printf(
        Locale.ROOT,
        "  %-5s NLL+KL %.2f  NLL %.2f  KL %.2f  I(x;z) %.2f nats (KDE; %d examples)%n",
        split,
        r.getConsistency().getValue(),
        nll,
        kl,
        r.getKdeMutualInformation().getValue(),
        r.getExamples());
    return new SweepReport.Split(
        r.getKdeMutualInformation().getValue(),
        r.getKdeMutualInformation().getStandardError(),
        "KDE (Scott's bandwidth) fitted to "
            + r.getKdeFitExamples()
            + " draws of "
            + r.getKdeFitData()
            + "; not capped at log N, biased high by KL(q(z) || KDE)",
        nll,
        kl,
        r.getConsistency().getValue(),
        r.getConsistency().getStandardError(),
        (int) r.getExamples());
  }

  /** The series a point is drawn in: LagVAE by the sign of mi, InfoVAE, or the objective. */
  static String family(JobSpec spec) {
    Objective o = spec.getObjective();
    return switch (o.getKindCase()) {
      case LAG_VAE -> o.getLagVae().getMi() > 0 ? "lag_vae mi>0" : "lag_vae mi<=0";
      case INFO_VAE -> "info_vae";
      default -> o.getKindCase().name().toLowerCase(Locale.ROOT);
    };
  }

  /** The spec values worth a column: objective, its parameters, epochs, seed. */
  static Map<String, String> specValues(JobSpec spec) {
    Map<String, String> m = new LinkedHashMap<>();
    Objective o = spec.getObjective();
    m.put("objective", o.getKindCase().name().toLowerCase(Locale.ROOT));
    switch (o.getKindCase()) {
      case LAG_VAE -> {
        m.put("mi", num(o.getLagVae().getMi()));
        m.put("e1", num(o.getLagVae().getE1()));
        m.put("e2", num(o.getLagVae().getE2()));
      }
      case INFO_VAE -> {
        if (o.getInfoVae().hasConstraints()) {
          m.put("mi", num(o.getInfoVae().getConstraints().getMi()));
          m.put("e1", num(o.getInfoVae().getConstraints().getE1()));
          m.put("e2", num(o.getInfoVae().getConstraints().getE2()));
        } else {
          m.put("alpha", num(o.getInfoVae().getAlpha()));
          m.put("lambda", num(o.getInfoVae().getLambda()));
        }
      }
      case BETA_VAE -> m.put("beta", num(o.getBetaVae().getBeta()));
      case IWAE -> m.put("k", Integer.toString(o.getIwae().getK()));
      default -> {}
    }
    m.put("epochs", Integer.toString(spec.getEpochs()));
    m.put("seed", Long.toUnsignedString(spec.getSeed()));
    return m;
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  /**
   * The groups of the command line: {@code --axis} options in order, a new group starting at each
   * {@code --grid} or {@code --zip} (the first is a grid unless a mode precedes its axes).
   */
  static List<SweepGroup> groups(List<String> args) {
    List<SweepGroup> groups = new ArrayList<>();
    SweepGroup.Builder current = null;
    SweepMode mode = SweepMode.SWEEP_MODE_GRID;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--grid") || arg.equals("--zip")) {
        if (current != null) {
          groups.add(current.build());
          current = null;
        }
        mode = arg.equals("--zip") ? SweepMode.SWEEP_MODE_ZIP : SweepMode.SWEEP_MODE_GRID;
        continue;
      }
      String value = null;
      if (arg.equals("--axis") && i + 1 < args.size()) {
        value = args.get(++i);
      } else if (arg.startsWith("--axis=")) {
        value = arg.substring("--axis=".length());
      }
      if (value == null) {
        continue;
      }
      if (current == null) {
        current = SweepGroup.newBuilder().setMode(mode);
      }
      current.addAxes(axis(value));
    }
    if (current != null) {
      groups.add(current.build());
    }
    if (groups.isEmpty()) {
      throw new CliException("sweep needs at least one --axis FIELD=V1,V2,...");
    }
    return groups;
  }

  static SweepAxis axis(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0 || eq == text.length() - 1) {
      throw new CliException(
          "--axis must be FIELD=V1,V2,..., e.g. --axis e1=84,88; got \"" + text + "\"");
    }
    return SweepAxis.newBuilder()
        .setField(text.substring(0, eq).trim())
        .addAllValues(Arrays.stream(text.substring(eq + 1).split(",")).map(String::trim).toList())
        .build();
  }

  private static String describe(List<SweepGroup> groups) {
    List<String> parts = new ArrayList<>();
    for (SweepGroup g : groups) {
      List<String> axes = new ArrayList<>();
      g.getAxesList()
          .forEach(a -> axes.add(a.getField() + "=" + String.join(",", a.getValuesList())));
      parts.add(
          (g.getMode() == SweepMode.SWEEP_MODE_ZIP ? "zip " : "grid ") + String.join(" ", axes));
    }
    return String.join("; then ", parts);
  }

  /** The two-axis grid groups, for heatmaps. */
  static List<SweepReport.Grid> grids(Sweep sweep) {
    List<SweepReport.Grid> grids = new ArrayList<>();
    int offset = 0;
    for (SweepGroup g : sweep.getGroupsList()) {
      int count;
      if (g.getMode() == SweepMode.SWEEP_MODE_ZIP) {
        count = g.getAxes(0).getValuesCount();
      } else {
        count = 1;
        for (SweepAxis a : g.getAxesList()) {
          count *= a.getValuesCount();
        }
        if (g.getAxesCount() == 2) {
          SweepAxis rows = g.getAxes(0);
          SweepAxis cols = g.getAxes(1);
          int[][] index = new int[rows.getValuesCount()][cols.getValuesCount()];
          for (int i = 0; i < index.length; i++) {
            for (int j = 0; j < index[i].length; j++) {
              index[i][j] = offset + i * cols.getValuesCount() + j;
            }
          }
          grids.add(
              new SweepReport.Grid(
                  rows.getField(),
                  rows.getValuesList(),
                  cols.getField(),
                  cols.getValuesList(),
                  index));
        }
      }
      offset += count;
    }
    return grids;
  }
}
