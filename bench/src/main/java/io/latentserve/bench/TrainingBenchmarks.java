package io.latentserve.bench;

import io.latentserve.datasets.Dataset;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.Split;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.CheckpointStore;
import io.latentserve.trainer.core.JobCancelledException;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.OptimizerSnapshot;
import io.latentserve.trainer.core.TrainableVae;
import io.latentserve.trainer.core.TrainingBackend;
import io.latentserve.trainer.core.TrainingData;
import io.latentserve.trainer.core.TrainingLoop;
import io.latentserve.trainer.core.TrainingProgress;
import io.latentserve.trainer.core.TrainingSpec;
import io.latentserve.trainer.samediff.SameDiffBackend;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training benchmark of bench/RESULTS.md: real training steps of the trainer (SameDiff, Adam,
 * float32) on {@code mnist-10k}'s 8,000 training digits, against the GEMM floor of the same step.
 *
 * <p>For each case, in one run:
 *
 * <ol>
 *   <li>the FLOPs of one step's matrix products, counted from the architecture, the batch size B
 *       and K: every dense layer (the mean and log-variance heads as one [in, 2 d] product, as the
 *       trainer runs them) multiplies an [M, in] activation by an [in, out] weight, M = B for the
 *       first encoder layer (evaluated once per example) and B K elsewhere; forward, input gradient
 *       and weight gradient each cost 2 M in out FLOPs. DReG counts the same products (one forward
 *       and one backward pass), so a second forward pass shows as a lower fraction;
 *   <li>the floor: each of those products timed with ND4J's own gemm on the same shapes and
 *       transpositions, in this process (the same native threads), best of many calls, summed;
 *   <li>training through the real {@link TrainingLoop} for {@code --epochs} epochs (the first warms
 *       up), timing every step; reported for the last epoch: seconds per epoch (with the batch
 *       gathering, binarization and noise), the median and best step time, the achieved GFLOP/s at
 *       the median step and the fraction of the floor = floor time / step time.
 * </ol>
 *
 * <p>With {@code --jax PYTHON} (bench/run passes its virtual environment's), each IWAE case is
 * followed by the same training in JAX ({@code bench/jax/train_iwae.py}, {@link Jax}), so that the
 * two alternate within one run; {@code --rounds R} repeats the pair. The ratio trainer / JAX is
 * reported per step over the whole last epoch (batch gathering, binarization and noise included on
 * both sides) and for the median step. {@code --eval-k K} adds the quality check: the test NLL
 * (minus the mean of log (1/K) sum w over {@code --eval-examples} test digits, 0 = all) after the
 * run, the trainer's and JAX's each measured by its own code.
 *
 * <p>Usage: {@code bench/run training [--epochs 2] [--cases 1L-k1,1L-k5,...] [--batch 100]
 * [--data-dir DIR] [--jax PYTHON|none] [--rounds 1] [--eval-k 0] [--eval-examples 0]}. Threads come
 * from {@code OMP_NUM_THREADS} (read when ND4J loads; bench/run sets 1 unless it is set). Cases:
 * {@code 1L-k1 1L-k5 1L-k50 2L-k1 2L-k5 1L-dreg5}.
 */
public final class TrainingBenchmarks {
  private static final String DATASET = "mnist-10k";

  private TrainingBenchmarks() {}

  /** One benchmark case: an architecture and an objective. */
  record Case(String name, VaeArchitecture architecture, Objective objective) {}

  /** One matrix product C[m, n] = op(A) op(B) with inner size kk, as gemm runs it. */
  record Product(String what, int m, int n, int kk, boolean transA, boolean transB) {
    double flops() {
      return 2.0 * m * n * kk;
    }
  }

  record Options(
      int epochs,
      List<String> cases,
      int batch,
      Path dataDir,
      Path jaxPython,
      Path jaxScript,
      int rounds,
      int evalK,
      int evalExamples) {
    static Options parse(String[] args) {
      int epochs = 2;
      List<String> cases = List.of();
      int batch = 100;
      Path dataDir = DatasetCatalog.resolveDataDir(null, System.getenv());
      Path jaxPython = null;
      Path jaxScript = Path.of("bench/jax/train_iwae.py");
      int rounds = 1;
      int evalK = 0;
      int evalExamples = 0;
      for (int i = 0; i < args.length; i += 2) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        if (value == null) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        switch (args[i]) {
          case "--epochs" -> epochs = Integer.parseInt(value);
          case "--cases" -> cases = List.of(value.split(","));
          case "--batch" -> batch = Integer.parseInt(value);
          case "--data-dir" -> dataDir = Path.of(value);
          case "--jax" -> jaxPython = value.equals("none") ? null : Path.of(value);
          case "--jax-script" -> jaxScript = Path.of(value);
          case "--rounds" -> rounds = Integer.parseInt(value);
          case "--eval-k" -> evalK = Integer.parseInt(value);
          case "--eval-examples" -> evalExamples = Integer.parseInt(value);
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (epochs < 2) {
        throw new IllegalArgumentException("--epochs must be >= 2 (the first warms up)");
      }
      if (rounds < 1) {
        throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
      }
      return new Options(
          epochs, cases, batch, dataDir, jaxPython, jaxScript, rounds, evalK, evalExamples);
    }
  }

  static List<Case> allCases() {
    VaeArchitecture one = VaeArchitecture.iwaeOneLayer();
    VaeArchitecture two = VaeArchitecture.iwaeTwoLayer();
    return List.of(
        new Case("1L-k1", one, new Objective.Iwae(1)),
        new Case("1L-k5", one, new Objective.Iwae(5)),
        new Case("1L-k50", one, new Objective.Iwae(50)),
        new Case("2L-k1", two, new Objective.Iwae(1)),
        new Case("2L-k5", two, new Objective.Iwae(5)),
        new Case("1L-dreg5", one, new Objective.Dreg(5)));
  }

  public static void main(String[] args) throws Exception {
    // as TrainerMain does before ND4J loads: no JavaCPP physical-memory probe on every native
    // allocation, so that the benchmark times the steps the trainer service runs
    if (System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null) {
      System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
    }
    Options options = Options.parse(args);
    BenchData.ensure(DATASET, options.dataDir());
    DatasetCatalog catalog = new DatasetCatalog(options.dataDir());
    TrainingData data =
        new TrainingData(
            catalog.load(DATASET, Split.TRAIN, 0), catalog.load(DATASET, Split.TEST, 100));
    System.out.printf(
        Locale.ROOT,
        "training benchmark %s: %s, nproc %d, OMP_NUM_THREADS=%s, batch %d, %d epochs of %d"
            + " digits, load average %.2f%n",
        Instant.now(),
        Machine.cpuModel(),
        Runtime.getRuntime().availableProcessors(),
        System.getenv("OMP_NUM_THREADS"),
        options.batch(),
        options.epochs(),
        data.train().size(),
        Machine.loadAverage());
    System.out.printf(
        Locale.ROOT,
        "%-9s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %6s%n",
        "case",
        "s/epoch",
        "step ms",
        "best ms",
        "cpu ms",
        "MFLOP",
        "GFLOP/s",
        "floor ms",
        "floor GF",
        "fraction",
        "frac-bst",
        "frac-cpu",
        "load");
    List<String> summary = new ArrayList<>();
    for (Case c : allCases()) {
      if (!options.cases().isEmpty() && !options.cases().contains(c.name())) {
        continue;
      }
      for (int round = 0; round < options.rounds(); round++) {
        summary.add(run(c, options, data));
      }
    }
    if (options.jaxPython() != null) {
      System.out.println();
      System.out.println(
          "| case | trainer ms/step (epoch / median) | JAX ms/step (epoch / median) | trainer / JAX"
              + " (epoch / median) | CPU ms/step (trainer / JAX) | fraction of floor (trainer /"
              + " JAX) | test NLL (trainer / JAX) | load |");
      System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
      summary.forEach(System.out::println);
    }
  }

  /** One case: the trainer, then (where configured) JAX; returns the summary table's row. */
  private static String run(Case c, Options options, TrainingData data) throws Exception {
    int k = c.objective().samples();
    List<Product> products = products(c.architecture(), options.batch(), k);
    double flops = products.stream().mapToDouble(Product::flops).sum();
    double floorSeconds = floorSeconds(products);
    Measured m = train(c, options, data);
    double[] last = m.lastEpochSteps();
    double median = Machine.median(last);
    double best = Arrays.stream(last).min().orElseThrow();
    double cpu = Machine.median(m.lastEpochCpu());
    double load = Machine.loadAverage();
    System.out.printf(
        Locale.ROOT,
        "%-9s %8.2f %8.2f %8.2f %8.2f %8.1f %8.1f %8.2f %8.1f %8.3f %8.3f %8.3f %6.2f%n",
        c.name(),
        m.epochSeconds(),
        median * 1e3,
        best * 1e3,
        cpu * 1e3,
        flops / 1e6,
        flops / median / 1e9,
        floorSeconds * 1e3,
        flops / floorSeconds / 1e9,
        floorSeconds / median,
        floorSeconds / best,
        floorSeconds / cpu,
        load);
    if (m.testNll() != null) {
      System.out.printf(
          Locale.ROOT,
          "%-9s trainer test NLL (k=%d, %d digits) %.2f +- %.2f%n",
          c.name(),
          options.evalK(),
          m.testNll().examples(),
          m.testNll().nll(),
          m.testNll().se());
    }
    if (options.jaxPython() == null || !(c.objective() instanceof Objective.Iwae)) {
      return "";
    }
    Map<String, String> jax = Jax.run(options, c, data.train().size());
    double stepMs = m.epochSeconds() * 1e3 / last.length;
    double jaxMs = Double.parseDouble(jax.get("ms_step"));
    double jaxMedian = Double.parseDouble(jax.get("ms_step_median"));
    System.out.printf(
        Locale.ROOT,
        "%-9s JAX %8.2f ms/step (epoch), median %8.2f, best %s, process CPU %s ms/step; trainer"
            + " %8.2f ms/step (epoch), process CPU %.2f ms/step: trainer / JAX %.2f (epoch), %.2f"
            + " (median); load %.2f%s%n",
        c.name(),
        jaxMs,
        jaxMedian,
        jax.get("ms_step_best"),
        jax.get("cpu_ms_step"),
        stepMs,
        m.epochCpuSeconds() * 1e3 / last.length,
        stepMs / jaxMs,
        median * 1e3 / jaxMedian,
        Machine.loadAverage(),
        jax.containsKey("test_nll")
            ? ", JAX test NLL " + jax.get("test_nll") + " +- " + jax.get("test_nll_se")
            : "");
    return String.format(
        Locale.ROOT,
        "| %s | %.1f / %.1f | %.1f / %.1f | %.2f / %.2f | %.1f / %s | %.2f / %.2f | %s | %.2f |",
        c.name(),
        stepMs,
        median * 1e3,
        jaxMs,
        jaxMedian,
        stepMs / jaxMs,
        median * 1e3 / jaxMedian,
        m.epochCpuSeconds() * 1e3 / last.length,
        jax.get("cpu_ms_step"),
        floorSeconds * 1e3 / stepMs,
        floorSeconds * 1e3 / jaxMedian,
        m.testNll() == null
            ? "-"
            : String.format(
                Locale.ROOT,
                "%.1f +- %.1f / %s +- %s",
                m.testNll().nll(),
                m.testNll().se(),
                jax.get("test_nll"),
                jax.get("test_nll_se")),
        (load + Machine.loadAverage()) / 2);
  }

  /**
   * The matrix products of one training step: per dense layer, forward, input gradient and weight
   * gradient.
   */
  static List<Product> products(VaeArchitecture a, int batch, int k) {
    List<Product> out = new ArrayList<>();
    int rows = batch * k;
    for (int l = 0; l < a.layerCount(); l++) {
      StochasticLayer layer = a.layer(l);
      int m = l == 0 ? batch : rows;
      int width = a.encoderInputDim(l);
      for (int h : layer.hidden()) {
        dense(out, "enc " + layer.name(), m, width, h);
        width = h;
      }
      dense(out, "enc " + layer.name() + " heads", m, width, 2 * layer.latentDim());
      List<Integer> reversed = new ArrayList<>(layer.hidden());
      java.util.Collections.reverse(reversed);
      width = layer.latentDim();
      for (int h : reversed) {
        dense(out, "dec " + layer.name(), rows, width, h);
        width = h;
      }
      int heads = l == 0 && !hasLikelihoodVariance(a) ? 1 : 2;
      dense(out, "dec " + layer.name() + " heads", rows, width, heads * a.decoderOutputDim(l));
    }
    return out;
  }

  private static boolean hasLikelihoodVariance(VaeArchitecture a) {
    return a.likelihood() == io.latentserve.model.LikelihoodFamily.GAUSSIAN_LEARNED;
  }

  private static void dense(List<Product> out, String what, int m, int in, int width) {
    out.add(new Product(what + " forward", m, width, in, false, false));
    out.add(new Product(what + " d input", m, in, width, false, true));
    out.add(new Product(what + " d weight", in, width, m, true, false));
  }

  /** The sum over the products of the best time of ND4J's gemm on each, seconds. */
  static double floorSeconds(List<Product> products) {
    double total = 0;
    for (Product p : products) {
      INDArray a =
          Nd4j.rand(
              DataType.FLOAT, p.transA() ? new long[] {p.kk(), p.m()} : new long[] {p.m(), p.kk()});
      INDArray b =
          Nd4j.rand(
              DataType.FLOAT, p.transB() ? new long[] {p.n(), p.kk()} : new long[] {p.kk(), p.n()});
      INDArray c = Nd4j.zeros(DataType.FLOAT, p.m(), p.n());
      double best = Double.MAX_VALUE;
      long deadline = System.nanoTime() + 300_000_000L;
      for (int rep = 0; rep < 20 || (rep < 2000 && System.nanoTime() < deadline); rep++) {
        long t0 = System.nanoTime();
        Nd4j.gemm(a, b, c, p.transA(), p.transB(), 1.0, 0.0);
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      total += best;
      a.close();
      b.close();
      c.close();
    }
    return total;
  }

  /** Last epoch: seconds per epoch, each step's wall time and its thread CPU time, seconds. */
  record Measured(
      double epochSeconds,
      double epochCpuSeconds,
      double[] lastEpochSteps,
      double[] lastEpochCpu,
      TestNll testNll) {}

  /** CPU time of the whole process (every thread), ns. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The test digits of the quality check; null without --eval-k. */
  private static Dataset testSet(Options options) {
    if (options.evalK() <= 0) {
      return null;
    }
    try {
      return new DatasetCatalog(options.dataDir())
          .load(DATASET, Split.TEST, options.evalExamples());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Trains through {@link TrainingLoop} and stops before its final evaluation. */
  private static Measured train(Case c, Options options, TrainingData data) {
    int stepsPerEpoch = TrainingLoop.stepsPerEpoch(data.train().size(), options.batch());
    long total = (long) stepsPerEpoch * options.epochs();
    TimedBackend backend =
        new TimedBackend(new SameDiffBackend(), (int) total, testSet(options), options.evalK());
    TrainingSpec spec =
        new TrainingSpec(
            "bench",
            DATASET,
            c.architecture(),
            c.objective(),
            1e-3,
            options.batch(),
            options.epochs(),
            1,
            1);
    long[] epochEnds = new long[options.epochs() + 1];
    long[] epochCpuEnds = new long[options.epochs() + 1];
    epochEnds[0] = System.nanoTime();
    epochCpuEnds[0] = processCpuNanos();
    try {
      new TrainingLoop(
              spec,
              data,
              backend,
              CheckpointStore.none(),
              Duration.ofDays(1),
              Duration.ofDays(1),
              System::nanoTime)
          .run(
              p -> {
                if (p.phase() == TrainingProgress.Phase.TRAINING && p.step() % stepsPerEpoch == 0) {
                  epochEnds[(int) (p.step() / stepsPerEpoch)] = System.nanoTime();
                  epochCpuEnds[(int) (p.step() / stepsPerEpoch)] = processCpuNanos();
                }
              },
              () -> backend.steps >= total);
      throw new IllegalStateException("training did not stop before its evaluation");
    } catch (JobCancelledException expected) {
      // the run is stopped once every step is done: the final bounds are not part of the benchmark
    }
    double epochSeconds = (epochEnds[options.epochs()] - epochEnds[options.epochs() - 1]) / 1e9;
    double[] last =
        Arrays.copyOfRange(backend.stepSeconds, (int) (total - stepsPerEpoch), (int) total);
    double[] cpu =
        Arrays.copyOfRange(backend.stepCpuSeconds, (int) (total - stepsPerEpoch), (int) total);
    double epochCpu = (epochCpuEnds[options.epochs()] - epochCpuEnds[options.epochs() - 1]) / 1e9;
    return new Measured(epochSeconds, epochCpu, last, cpu, backend.testNll);
  }

  /** A backend whose models time every step. */
  private static final class TimedBackend implements TrainingBackend {
    private final TrainingBackend delegate;
    private final double[] stepSeconds;
    private final double[] stepCpuSeconds;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Dataset test;
    private final int evalK;
    private int steps;
    private TestNll testNll;

    TimedBackend(TrainingBackend delegate, int maxSteps, Dataset test, int evalK) {
      this.delegate = delegate;
      this.stepSeconds = new double[maxSteps];
      this.stepCpuSeconds = new double[maxSteps];
      this.test = test;
      this.evalK = evalK;
    }

    @Override
    public TrainableVae create(VaeWeights initial, Objective objective, double learningRate) {
      TrainableVae model = delegate.create(initial, objective, learningRate);
      return new TrainableVae() {
        @Override
        public VaeArchitecture architecture() {
          return model.architecture();
        }

        @Override
        public Objective objective() {
          return model.objective();
        }

        @Override
        public StepResult step(Batch batch) {
          long c0 = threads.getCurrentThreadCpuTime();
          long t0 = System.nanoTime();
          StepResult result = model.step(batch);
          stepSeconds[steps] = (System.nanoTime() - t0) / 1e9;
          stepCpuSeconds[steps++] = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
          return result;
        }

        @Override
        public float[] logWeights(float[] x, float[] y, int rows, float[][] eps, int k) {
          return model.logWeights(x, y, rows, eps, k);
        }

        @Override
        public VaeWeights weights() {
          return model.weights();
        }

        @Override
        public OptimizerSnapshot snapshot() {
          return model.snapshot();
        }

        @Override
        public void restore(OptimizerSnapshot snapshot) {
          model.restore(snapshot);
        }

        @Override
        public void close() {
          // the run stops after its last step: the test NLL is measured before the model goes
          if (test != null && testNll == null) {
            testNll = TestNll.measure(model, test, evalK);
          }
          model.close();
        }
      };
    }
  }
}
