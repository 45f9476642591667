package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.latentserve.proto.v1.DatasetSplit;
import io.latentserve.proto.v1.Estimate;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationProgress;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.IwllPoint;
import io.latentserve.proto.v1.LayerReport;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelRef;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code latentserve eval}: runs an evaluation on a running evaluator-service with a live progress
 * bar.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Evaluate a served model: IW-LL (k up to 5000), ELBO, rates, active units, MI, MMD.")
final class EvalCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "Model name.")
  String model;

  @Option(
      names = "--model-version",
      defaultValue = "0",
      description = "Model version; 0 for the latest (default: ${DEFAULT-VALUE}).")
  long version;

  @Option(
      names = "--dataset",
      defaultValue = "mnist-10k",
      description = "Catalogue dataset (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(
      names = "--split",
      defaultValue = "test",
      description = "train or test (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(
      names = "--limit",
      defaultValue = "0",
      description = "Evaluate the first N examples; 0 for all (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(
      names = "--k",
      defaultValue = "0",
      description =
          "Importance samples per example; 0 for the model's default: 4000 for a model with the"
              + " rbm prior (the DVAE# protocol), 5000 for others (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(
      names = "--metrics",
      split = ",",
      description = "Comma-separated subset of ${COMPLETION-CANDIDATES} (default: all).")
  List<MetricName> metrics = List.of();

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the samples (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--label",
      defaultValue = "",
      description = "A label for the report (default: none).")
  String label;

  @Option(
      names = "--evaluator",
      defaultValue = "${env:LATENTSERVE_EVALUATOR_TARGET:-localhost:50053}",
      description =
          "evaluator-service address (env LATENTSERVE_EVALUATOR_TARGET; default: ${DEFAULT-VALUE}).")
  String evaluator;

  @picocli.CommandLine.Mixin ClientSecurityOptions security;

  @Option(
      names = "--timeout",
      defaultValue = "2h",
      description = "Deadline of the evaluation, e.g. 90m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  /** Metric names as typed on the command line. */
  enum MetricName {
    iwll(Metric.METRIC_IWLL),
    elbo(Metric.METRIC_ELBO),
    rates(Metric.METRIC_RATES),
    active_units(Metric.METRIC_ACTIVE_UNITS),
    mi(Metric.METRIC_MUTUAL_INFORMATION),
    mmd(Metric.METRIC_MMD);

    final Metric proto;

    MetricName(Metric proto) {
      this.proto = proto;
    }
  }

  @Override
  public Integer call() {
    EvaluateRequest request =
        EvaluateRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName(model).setVersion(version))
            .setDataset(DatasetSplit.newBuilder().setName(dataset).setSplit(split).setLimit(limit))
            .setK(k)
            .addAllMetrics(metrics.stream().map(m -> m.proto).toList())
            .setSeed(seed)
            .setLabel(label)
            .build();
    ManagedChannel channel =
        ServiceChannels.open("evaluator-service", evaluator, security.security());
    try {
      EvaluationReport report = evaluate(channel, request, timeout, spec.commandLine().getOut());
      printSummary(spec.commandLine().getOut(), report);
      return 0;
    } finally {
      channel.shutdownNow();
    }
  }

  /** Runs an evaluation, showing its progress, and returns the report. */
  static EvaluationReport evaluate(
      ManagedChannel channel, EvaluateRequest request, Duration timeout, PrintWriter out) {
    ProgressBar bar = new ProgressBar(out);
    Iterator<EvaluateEvent> events =
        EvaluatorGrpc.newBlockingStub(channel)
            .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .evaluate(request);
    while (events.hasNext()) {
      EvaluateEvent event = events.next();
      if (event.hasProgress()) {
        EvaluationProgress p = event.getProgress();
        bar.update(
            p.getExamplesDone(),
            p.getExamplesTotal(),
            p.getPhase(),
            toJava(p.getElapsed()),
            p.hasEta() ? toJava(p.getEta()) : null,
            "");
      } else if (event.hasReport()) {
        bar.finish();
        return event.getReport();
      }
    }
    bar.finish();
    throw new CliException("the evaluator closed the stream without a report");
  }

  static void printSummary(PrintWriter out, EvaluationReport r) {
    out.printf(
        "%nevaluation %s: %s/%d on %s, %d examples, k=%d, seed %d%n",
        r.getEvaluationId(),
        r.getModel().getName(),
        r.getModel().getVersion(),
        r.getData(),
        r.getExamples(),
        r.getK(),
        r.getSeed());
    boolean conditional = !r.getCondition().isEmpty();
    if (conditional) {
      out.printf("  conditioned on %s%n", r.getCondition());
    }
    // Only what was computed: a metric that was not asked for has no row, rather than a zero.
    List<Metric> computed = r.getMetricsList();
    if (computed.contains(Metric.METRIC_IWLL)) {
      row(
          out,
          (conditional ? "log p(x|y)" : "log p(x)") + " (IW-LL, k=" + r.getK() + ")",
          r.getIwll());
      for (IwllPoint p : r.getIwllCurveList()) {
        row(out, "  IW-LL at k=" + p.getK(), p.getLogLikelihood());
      }
      if (r.getModel().hasRbmPrior()) {
        // log Z's error shifts every example alike: it adds to the sampling error in full.
        out.printf(
            Locale.ROOT,
            "  %-34s %10.3f +- %.3f nats (%s)%n",
            "log Z of the rbm prior",
            r.getLogZ(),
            r.getLogZStandardError(),
            r.getModel().getRbmPrior().getLogZMethod());
        out.printf(
            Locale.ROOT,
            "  %-34s %10.3f +- %.3f nats (sampling and log Z)%n",
            "log p(x), total error",
            r.getIwll().getValue(),
            r.getIwllTotalStandardError());
      }
    }
    if (computed.contains(Metric.METRIC_ELBO)) {
      row(out, "ELBO", r.getElbo());
      row(out, "distortion E[-log p(x|z)]", r.getDistortion());
      row(out, "rate KL(q||p), all layers", r.getTotalRate());
    }
    boolean rates = computed.contains(Metric.METRIC_RATES);
    boolean activeUnits = computed.contains(Metric.METRIC_ACTIVE_UNITS);
    // With one layer its rate is the total rate: the ELBO's row shows it, from the same samples as
    // the ELBO, rather than a second Monte Carlo estimate of the same number.
    boolean oneLayerRateShown = r.getLayersCount() == 1 && computed.contains(Metric.METRIC_ELBO);
    for (LayerReport layer : r.getLayersList()) {
      if (rates && !oneLayerRateShown) {
        row(out, "  rate " + layer.getLayer(), layer.getRate());
      }
      if (activeUnits) {
        out.printf(
            Locale.ROOT,
            "  %-34s %d of %d%n",
            "active units " + layer.getLayer(),
            layer.getActiveUnits(),
            layer.getDim());
      }
    }
    if (r.hasMutualInformation()) {
      var mi = r.getMutualInformation();
      out.printf(
          Locale.ROOT,
          "  %-34s %10.3f nats (ceiling log N = %.3f)%n",
          "I(x;z) aggregate posterior",
          mi.getAggregate(),
          mi.getAggregateCeiling());
      out.printf(
          Locale.ROOT,
          "  %-34s %10.3f nats (batch %d)%n",
          "I(x;z) minibatch",
          mi.getMinibatch(),
          mi.getMinibatchSize());
    }
    if (computed.contains(Metric.METRIC_MMD)) {
      out.printf(Locale.ROOT, "  %-34s %10.4f%n", "MMD^2(q(z), p(z))", r.getMmd());
    }
    if (computed.contains(Metric.METRIC_IWLL)) {
      out.printf(
          Locale.ROOT,
          "  %-34s %10.2f%n",
          "mean effective sample size",
          r.getMeanEffectiveSampleSize());
    }
    out.printf(
        Locale.ROOT,
        "  %-34s %10.1f s (%.1f examples/s)%n",
        "wall time",
        toJava(r.getWallTime()).toMillis() / 1000.0,
        r.getExamplesPerSecond());
    out.printf("%nreport: %s%n        %s%n", r.getHtmlPath(), r.getJsonPath());
  }

  static Duration toJava(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  private static void row(PrintWriter out, String name, Estimate e) {
    out.printf(
        Locale.ROOT, "  %-34s %10.3f +- %.3f nats%n", name, e.getValue(), e.getStandardError());
  }
}
