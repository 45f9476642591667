package io.latentserve.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.cli.DemoBundle;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.datasets.Binarizer;
import io.latentserve.datasets.Dataset;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.evaluator.core.DatasetRef;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.Metric;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.ProgressListener;
import io.latentserve.inference.batching.BatchListener;
import io.latentserve.inference.batching.BatchingConfig;
import io.latentserve.inference.batching.BatchingGraphRunner;
import io.latentserve.inference.core.ModelLimits;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.inference.onnx.OnnxConfig;
import io.latentserve.inference.onnx.OnnxDevice;
import io.latentserve.inference.onnx.OnnxVaeModels;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DatasetSplit;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.ModelRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The evaluation benchmark of bench/RESULTS.md: the importance-weighted log-likelihood with k
 * importance samples (5000 by default) of the 2,000 test images of {@code mnist-10k}, for the
 * 1-layer IWAE architecture (784-200-200-50, tanh, Bernoulli; random weights, which cost the same
 * as trained ones).
 *
 * <p>Pipelines, measured in alternating rounds in one run because the machine is shared:
 *
 * <ul>
 *   <li>{@code in-process}: the evaluator core calling the inference service's model stack (ONNX
 *       Runtime under dynamic batching, as the service runs it) in this JVM through {@link
 *       InProcessInferenceClient}, with the same evaluator options;
 *   <li>{@code grpc xR}: an evaluator-service process, called with Evaluate over gRPC, calling R
 *       inference-service processes over gRPC (round-robin), for each R of {@code --replicas}.
 * </ul>
 *
 * Each measurement is a whole evaluation, start to report. Every pipeline must report the same
 * IW-LL bit for bit (counter-based noise, seeded binarization), which the run checks.
 *
 * <p>Usage: {@code bench/run evaluation [--k K] [--examples N] [--rounds R] [--replicas 1,2,3|none]
 * [--parallel-calls C] [--intra-op-threads T] [--data-dir DIR]}. The data set is read from {@code
 * --data-dir}, else {@code LATENTSERVE_DATA_DIR}, else {@code ./data}, and fetched there when
 * missing.
 */
public final class EvaluationBenchmarks {
  private static final String MODEL = "bench-iwae1";
  private static final String DATASET = "mnist-10k";
  private static final String SPLIT = "test";
  private static final long SEED = 2015;
  private static final long BINARIZATION_SEED = 1;
  private static final String IN_PROCESS = "in-process";

  /** Decoder FLOP per importance sample of 784-200-200-50: 2 (50*200 + 200*200 + 200*784). */
  private static final double DECODER_FLOP = 2.0 * (50 * 200 + 200 * 200 + 200 * 784);

  private final Options options;

  private EvaluationBenchmarks(Options options) {
    this.options = options;
  }

  /**
   * The benchmark's settings.
   *
   * @param k importance samples per example
   * @param examples the first N test examples, 0 for all 2,000
   * @param rounds alternating rounds; the table shows medians
   * @param replicas the inference replica counts to measure
   * @param parallelCalls inference calls in flight per evaluation, 0 for the evaluator's default
   * @param intraOpThreads ONNX Runtime threads per session, 0 for one per core
   * @param dataDir where mnist-10k is, or is fetched to
   */
  record Options(
      int k,
      int examples,
      int rounds,
      List<Integer> replicas,
      int parallelCalls,
      int intraOpThreads,
      Path dataDir) {
    Options {
      if (k < 1 || examples < 0 || rounds < 1 || parallelCalls < 0 || intraOpThreads < 0) {
        throw new IllegalArgumentException(
            "need k >= 1, examples >= 0, rounds >= 1, parallel calls >= 0, threads >= 0");
      }
      replicas = List.copyOf(replicas);
      if (replicas.stream().anyMatch(r -> r < 1)) {
        throw new IllegalArgumentException("replica counts must be >= 1");
      }
    }

    static Options parse(String[] args) {
      int k = 5000;
      int examples = 0;
      int rounds = 2;
      List<Integer> replicas = List.of(1, 2, 3);
      int parallelCalls = 0;
      int threads = 0;
      Path dataDir = DatasetCatalog.resolveDataDir(null, System.getenv());
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : "";
        switch (args[i]) {
          case "--k" -> k = Integer.parseInt(value);
          case "--examples" -> examples = Integer.parseInt(value);
          case "--rounds" -> rounds = Integer.parseInt(value);
          case "--replicas" ->
              replicas =
                  value.equals("none")
                      ? List.of()
                      : Arrays.stream(value.split(",")).map(Integer::valueOf).toList();
          case "--parallel-calls" -> parallelCalls = Integer.parseInt(value);
          case "--intra-op-threads" -> threads = Integer.parseInt(value);
          case "--data-dir" -> dataDir = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
        i++;
      }
      return new Options(k, examples, rounds, replicas, parallelCalls, threads, dataDir);
    }
  }

  public static void main(String[] args) throws Exception {
    new EvaluationBenchmarks(Options.parse(args)).run();
  }

  private void run() throws Exception {
    BenchData.ensure(DATASET, options.dataDir());
    Path work = Files.createTempDirectory("latentserve-eval-bench");
    Path repository = work.resolve("models");
    Bundle bundle = DemoBundle.IWAE1.publish(new FileSystemModelRepository(repository), MODEL, 1);
    int cores = Runtime.getRuntime().availableProcessors();
    int threads = options.intraOpThreads() == 0 ? cores : options.intraOpThreads();
    EvaluatorOptions evaluatorOptions = evaluatorOptions();
    System.out.printf(
        Locale.ROOT,
        "machine: %d cores, %s; %s%nmodel: IWAE 1-layer 784-200-200-50 tanh Bernoulli, random"
            + " weights%nworkload: IW-LL k=%d, %s/%s%s, seed %d; evaluator: %d calls in flight, %d"
            + " rows per call; ONNX Runtime: %d intra-op threads per session%n",
        cores,
        Machine.cpuModel(),
        Instant.now(),
        options.k(),
        DATASET,
        SPLIT,
        options.examples() == 0 ? "" : "[:" + options.examples() + "]",
        SEED,
        evaluatorOptions.parallelCalls(),
        Math.max(
            1,
            Math.min(
                evaluatorOptions.maxRowsPerCall(),
                evaluatorOptions.maxWeightsPerCall() / options.k())),
        threads);

    System.out.println("bundle, service logs and reports: " + work);
    int maxReplicas = options.replicas().stream().mapToInt(Integer::intValue).max().orElse(0);
    List<ServiceProcess> processes = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    // The inference service's stack (ONNX Runtime under dynamic batching), without the network.
    try (VaeModel local =
        OnnxVaeModels.open(
            bundle,
            new OnnxConfig(OnnxDevice.parse("cpu"), threads),
            ModelLimits.DEFAULT,
            runner ->
                new BatchingGraphRunner(runner, BatchingConfig.DEFAULT, new BatchListener() {}))) {
      List<String> targets = new ArrayList<>();
      for (int r = 0; r < maxReplicas; r++) {
        ServiceProcess p = inference(repository, work, r, threads);
        processes.add(p);
        targets.add(p.target());
      }
      Map<String, ServiceProcess> evaluators = new LinkedHashMap<>();
      for (int replicas : options.replicas()) {
        evaluators.put(
            "grpc x" + replicas,
            evaluator(String.join(",", targets.subList(0, replicas)), work, replicas));
      }
      processes.addAll(evaluators.values());
      for (ServiceProcess p : processes) {
        p.awaitServing(Duration.ofMinutes(2), elapsed -> {});
      }

      Map<String, Pipeline> pipelines = new LinkedHashMap<>();
      pipelines.put(IN_PROCESS, inProcess(local, evaluatorOptions));
      for (int replicas : options.replicas()) {
        ServiceProcess evaluator = evaluators.get("grpc x" + replicas);
        List<ProcessHandle> involved = new ArrayList<>();
        involved.add(handle(evaluator));
        for (ServiceProcess p : processes.subList(0, replicas)) {
          involved.add(handle(p));
        }
        ManagedChannel channel =
            ManagedChannelBuilder.forTarget(evaluator.target()).usePlaintext().build();
        channels.add(channel);
        pipelines.put("grpc x" + replicas, grpc(channel, involved));
      }

      System.out.println();
      System.out.println("warm-up: 100 examples with each pipeline");
      for (Pipeline p : pipelines.values()) {
        p.evaluate(Math.min(100, options.examples() == 0 ? 100 : options.examples()));
      }
      Map<String, List<Measurement>> results = new LinkedHashMap<>();
      System.out.println();
      System.out.printf(
          "%-6s %-12s %9s %9s %14s %11s %12s %9s %12s%n",
          "round",
          "pipeline",
          "wall s",
          "CPU s",
          "evaluator CPU",
          "examples/s",
          "load before",
          "after",
          "IW-LL");
      for (int round = 1; round <= options.rounds(); round++) {
        for (Map.Entry<String, Pipeline> e : pipelines.entrySet()) {
          double loadBefore = Machine.loadAverage();
          Measurement m = e.getValue().evaluate(options.examples());
          m = m.withLoad(loadBefore, Machine.loadAverage());
          results.computeIfAbsent(e.getKey(), key -> new ArrayList<>()).add(m);
          System.out.printf(
              Locale.ROOT,
              "%-6d %-12s %9.2f %9.2f %14.2f %11.1f %12.2f %9.2f %12.6f%n",
              round,
              e.getKey(),
              m.seconds(),
              m.cpuSeconds(),
              m.evaluatorCpuSeconds(),
              m.examples() / m.seconds(),
              m.loadBefore(),
              m.loadAfter(),
              m.iwll());
        }
      }
      summary(results);
    } finally {
      for (ManagedChannel c : channels) {
        c.shutdownNow();
      }
      for (ServiceProcess p : processes) {
        p.close();
      }
    }
  }

  private EvaluatorOptions evaluatorOptions() {
    EvaluatorOptions d = EvaluatorOptions.defaults();
    if (options.parallelCalls() == 0) {
      return d;
    }
    return new EvaluatorOptions(
        d.maxK(),
        d.maxRowsPerCall(),
        d.maxWeightsPerCall(),
        options.parallelCalls(),
        d.rateSamples(),
        d.mmdSamples(),
        d.previewSamples(),
        d.previewReconstructions());
  }

  private void summary(Map<String, List<Measurement>> results) {
    List<Measurement> base = results.get(IN_PROCESS);
    double baseSeconds = Machine.median(base.stream().mapToDouble(Measurement::seconds).toArray());
    System.out.println();
    System.out.println(
        "| pipeline | replicas | wall s (median) | examples/s | log-weights/s | decoder GFLOP/s |"
            + " rate vs in-process | examples/s per replica | CPU s (median) |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Map.Entry<String, List<Measurement>> e : results.entrySet()) {
      List<Measurement> ms = e.getValue();
      double seconds = Machine.median(ms.stream().mapToDouble(Measurement::seconds).toArray());
      // The ratio of each round to the in-process run of the same round, then the median.
      double[] ratios = new double[ms.size()];
      for (int i = 0; i < ms.size(); i++) {
        ratios[i] = base.get(i).seconds() / ms.get(i).seconds();
      }
      int examples = ms.get(0).examples();
      int replicas =
          e.getKey().equals(IN_PROCESS) ? 1 : Integer.parseInt(e.getKey().replace("grpc x", ""));
      double perSecond = examples / seconds;
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %.1f | %.1f | %.3g | %.0f | %.2f | %.1f | %.1f |%n",
          e.getKey(),
          e.getKey().equals(IN_PROCESS) ? "-" : Integer.toString(replicas),
          seconds,
          perSecond,
          perSecond * options.k(),
          perSecond * options.k() * DECODER_FLOP / 1e9,
          Machine.median(ratios),
          perSecond / replicas,
          Machine.median(ms.stream().mapToDouble(Measurement::cpuSeconds).toArray()));
    }
    double reference = base.get(0).iwll();
    boolean identical =
        results.values().stream()
            .flatMap(List::stream)
            .allMatch(m -> Double.doubleToLongBits(m.iwll()) == Double.doubleToLongBits(reference));
    System.out.printf(
        Locale.ROOT,
        "%nIW-LL %.6f nats (+- %.4f): %s in every run of every pipeline%n",
        reference,
        base.get(0).standardError(),
        identical ? "bit-identical" : "NOT identical");
    System.out.printf(
        Locale.ROOT,
        "in-process baseline %.1f s (median); load average now %.2f%n",
        baseSeconds,
        Machine.loadAverage());
  }

  /** One way to run the evaluation of the first {@code examples} test images (0 for all). */
  @FunctionalInterface
  private interface Pipeline {
    Measurement evaluate(int examples);
  }

  /** CPU time of {@code processes} so far, seconds (every thread, native ones included). */
  private static double cpuSeconds(List<ProcessHandle> processes) {
    return processes.stream()
            .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
            .sum()
        / 1e9;
  }

  private Pipeline inProcess(VaeModel model, EvaluatorOptions evaluatorOptions) {
    InProcessInferenceClient client = new InProcessInferenceClient(model);
    Path dataDir = options.dataDir();
    Evaluator evaluator =
        new Evaluator(
            client,
            (ref, binarize) -> load(dataDir, ref, binarize),
            evaluatorOptions,
            Clock.systemUTC());
    return examples -> {
      ExecutorService pool = Executors.newFixedThreadPool(evaluatorOptions.parallelCalls());
      try {
        EvaluationRequest request =
            new EvaluationRequest(
                new ModelKey(MODEL, 1),
                null,
                new DatasetRef(DATASET, SPLIT, examples, BINARIZATION_SEED),
                null,
                options.k(),
                Set.of(Metric.IWLL),
                SEED,
                0,
                "bench");
        List<ProcessHandle> self = List.of(ProcessHandle.current());
        double cpu = cpuSeconds(self);
        long start = System.nanoTime();
        EvaluationReport report =
            evaluator
                .evaluate("bench", request, pool, ProgressListener.none(), () -> false)
                .report();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Measurement(
            (int) report.examples(),
            seconds,
            cpuSeconds(self) - cpu,
            Double.NaN,
            report.iwll().value(),
            report.iwll().standardError(),
            0,
            0);
      } finally {
        pool.shutdownNow();
      }
    };
  }

  /**
   * Evaluate over {@code channel} to an evaluator service; {@code processes} are that evaluator
   * (first) and its inference replicas, whose CPU time is counted.
   */
  private Pipeline grpc(ManagedChannel channel, List<ProcessHandle> processes) {
    EvaluatorGrpc.EvaluatorBlockingStub stub = EvaluatorGrpc.newBlockingStub(channel);
    return examples -> {
      EvaluateRequest request =
          EvaluateRequest.newBuilder()
              .setModel(ModelRef.newBuilder().setName(MODEL).setVersion(1))
              .setDataset(
                  DatasetSplit.newBuilder()
                      .setName(DATASET)
                      .setSplit(SPLIT)
                      .setLimit(examples)
                      .setBinarizationSeed(BINARIZATION_SEED))
              .setK(options.k())
              .addMetrics(io.latentserve.proto.v1.Metric.METRIC_IWLL)
              .setSeed(SEED)
              .setLabel("bench")
              .build();
      double cpu = cpuSeconds(processes);
      double evaluatorCpu = cpuSeconds(processes.subList(0, 1));
      long start = System.nanoTime();
      Iterator<EvaluateEvent> events =
          stub.withDeadlineAfter(30, TimeUnit.MINUTES).evaluate(request);
      io.latentserve.proto.v1.EvaluationReport report = null;
      while (events.hasNext()) {
        EvaluateEvent event = events.next();
        if (event.hasReport()) {
          report = event.getReport();
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (report == null) {
        throw new IllegalStateException("Evaluate ended without a report");
      }
      return new Measurement(
          (int) report.getExamples(),
          seconds,
          cpuSeconds(processes) - cpu,
          cpuSeconds(processes.subList(0, 1)) - evaluatorCpu,
          report.getIwll().getValue(),
          report.getIwll().getStandardError(),
          0,
          0);
    };
  }

  /**
   * One evaluation: examples, wall seconds from request to report, CPU seconds of the pipeline's
   * processes and of the evaluator process alone (NaN in-process), the IW-LL and its standard error
   * (nats), and the 1-minute load average before and after.
   */
  record Measurement(
      int examples,
      double seconds,
      double cpuSeconds,
      double evaluatorCpuSeconds,
      double iwll,
      double standardError,
      double loadBefore,
      double loadAfter) {
    Measurement withLoad(double before, double after) {
      return new Measurement(
          examples, seconds, cpuSeconds, evaluatorCpuSeconds, iwll, standardError, before, after);
    }
  }

  private static ServiceProcess inference(Path repository, Path work, int index, int threads)
      throws IOException {
    return ServiceProcess.start(
        "inference",
        ServiceProcess.freePort(),
        List.of(
            "--model-repository", repository.toString(),
            "--metrics-port", Integer.toString(ServiceProcess.freePort()),
            "--device", "cpu",
            "--intra-op-threads", Integer.toString(threads)),
        Files.createTempFile(work, "inference-" + index + "-", ".log"));
  }

  private ServiceProcess evaluator(String targets, Path work, int replicas) throws IOException {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "--inference-target", targets,
            "--metrics-port", Integer.toString(ServiceProcess.freePort()),
            "--data-dir", options.dataDir().toAbsolutePath().toString(),
            "--reports", work.resolve("reports-" + replicas).toString(),
            "--call-deadline", "600s"));
    if (options.parallelCalls() > 0) {
      args.addAll(List.of("--parallel-calls", Integer.toString(options.parallelCalls())));
    }
    return ServiceProcess.start(
        "evaluator",
        ServiceProcess.freePort(),
        args,
        Files.createTempFile(work, "evaluator-x" + replicas + "-", ".log"));
  }

  /** The evaluator service's way of reading a split: intensities, then seeded binarization. */
  private static FloatTensor load(Path dataDir, DatasetRef ref, boolean binarize) {
    try {
      Dataset dataset = new DatasetCatalog(dataDir).load(ref.name(), ref.split(), ref.limit());
      FloatTensor intensities = dataset.rows(0, dataset.size());
      return binarize
          ? new Binarizer(ref.binarizationSeed()).binarize(intensities, 0)
          : intensities;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ProcessHandle handle(ServiceProcess process) {
    return ProcessHandle.of(process.pid())
        .orElseThrow(() -> new IllegalStateException("process " + process.pid() + " is gone"));
  }
}
