package io.latentserve.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.GraphRole;
import io.latentserve.cli.DemoBundle;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.ListModelsResponse;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.ModelState;
import io.latentserve.wire.TensorCodec;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * The many-models benchmarks of bench/RESULTS.md ("Many models"), each against real {@code
 * latentserve serve inference} processes on loopback:
 *
 * <ol>
 *   <li>{@code models-memory}: idle resident memory per loaded model, the engine as it was (a
 *       thread pool and a CPU arena per session) against the shared pool without arenas, for the
 *       IWAE 1-layer and 2-layer models: (RSS with N models - RSS with 1) / (N - 1).
 *   <li>{@code models-throughput}: LogProb rows/s and 16-client single-row Encode requests/s of the
 *       two engine settings, alternating rounds.
 *   <li>{@code models-cold}: cold-load latency (a server whose budget holds one model, each request
 *       for another model) against the warm latency of the same call.
 *   <li>{@code models-many}: 500 models served in turn within a 4 GiB budget.
 *   <li>{@code models-soak}: a version published every minute under mixed Encode, LogProb and
 *       ImportanceWeights load; RSS and heap sampled every 10 s into a CSV and a PNG.
 * </ol>
 *
 * <p>Usage: {@code bench/run models-memory|models-throughput|models-cold|models-many|models-soak
 * [--models N] [--minutes M] [--budget SIZE] [--out DIR] [--seconds S] [--rounds R] [--new-malloc
 * false]}.
 */
public final class ModelsBenchmarks {
  private static final List<String> OLD_ENGINE =
      List.of("--shared-threads", "false", "--cpu-arena", "true");
  private static final List<String> NEW_ENGINE = List.of();

  private final Path work;
  private final Path out;
  private int models = 20;
  private double minutes = 10;
  private String budget = "4GiB";
  private double seconds = 2;
  // --new-malloc false: the new engine with glibc's malloc defaults, to tell its two parts apart.
  private boolean newMalloc = true;
  private int rounds = 3;

  private ModelsBenchmarks(Path work, Path out) {
    this.work = work;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    String which = args.length > 0 ? args[0] : "models-memory";
    Path out = Path.of("bench", "results");
    ModelsBenchmarks b = new ModelsBenchmarks(Files.createTempDirectory("latentserve-models"), out);
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--models" -> b.models = Integer.parseInt(args[++i]);
        case "--minutes" -> b.minutes = Double.parseDouble(args[++i]);
        case "--budget" -> b.budget = args[++i];
        case "--out" -> out = Path.of(args[++i]);
        case "--seconds" -> b.seconds = Double.parseDouble(args[++i]);
        case "--rounds" -> b.rounds = Integer.parseInt(args[++i]);
        case "--new-malloc" -> b.newMalloc = Boolean.parseBoolean(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    b = new ModelsBenchmarks(b.work, out).copyOptions(b);
    System.out.printf(
        Locale.ROOT,
        "%s; cpu: %s, %d cores; load average %.2f; %s%n",
        Instant.now(),
        Machine.cpuModel(),
        Runtime.getRuntime().availableProcessors(),
        Machine.loadAverage(),
        which);
    switch (which) {
      case "models-memory" -> b.memory();
      case "models-throughput" -> b.throughput();
      case "models-cold" -> b.cold();
      case "models-many" -> b.many();
      case "models-soak" -> b.soak();
      default -> throw new IllegalArgumentException("unknown benchmark " + which);
    }
    System.out.printf(Locale.ROOT, "load average at the end %.2f%n", Machine.loadAverage());
  }

  private ModelsBenchmarks copyOptions(ModelsBenchmarks o) {
    models = o.models;
    minutes = o.minutes;
    budget = o.budget;
    seconds = o.seconds;
    rounds = o.rounds;
    newMalloc = o.newMalloc;
    return this;
  }

  // ---- servers ----

  private ServiceProcess server(Path repository, String name, List<String> extra)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--model-repository", repository.toString(),
                "--metrics-port", Integer.toString(ServiceProcess.freePort()),
                "--device", "cpu",
                "--intra-op-threads", "2",
                "--reload-interval", "1s"));
    args.addAll(extra);
    // The old engine ran with glibc's malloc defaults (an arena per thread, a rising mmap
    // threshold): unset both variables for it.
    Map<String, String> env =
        extra.containsAll(OLD_ENGINE) || !newMalloc
            ? Map.of("MALLOC_ARENA_MAX", "", "MALLOC_MMAP_THRESHOLD_", "")
            : Map.of();
    ServiceProcess p =
        ServiceProcess.start(
            "inference",
            List.of(),
            "",
            ServiceProcess.freePort(),
            args,
            Files.createTempFile(work, name, ".log"),
            env);
    p.awaitServing(Duration.ofMinutes(5), elapsed -> {});
    return p;
  }

  private static List<String> with(List<String> a, String... more) {
    List<String> all = new ArrayList<>(a);
    all.addAll(List.of(more));
    return all;
  }

  /** The process's resident set and thread count from /proc. */
  private static long[] rssAndThreads(long pid) {
    try {
      long rss = 0;
      long threads = 0;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } else if (line.startsWith("Threads:")) {
          threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      return new long[] {rss, threads};
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static final class Client implements AutoCloseable {
    final ManagedChannel channel;

    Client(ServiceProcess server) {
      channel =
          ManagedChannelBuilder.forTarget(server.target())
              .usePlaintext()
              .maxInboundMessageSize(256 << 20)
              .build();
    }

    InferenceGrpc.InferenceBlockingStub stub() {
      return InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    ListModelsResponse list() {
      return stub().listModels(ListModelsRequest.getDefaultInstance());
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }

  private static FloatTensor binaryImages(int rows) {
    float[] data = new float[rows * 784];
    for (int i = 0; i < rows; i++) {
      long key = CounterNoise.rowKey(7, CounterNoise.Stream.BINARIZATION, i);
      for (int d = 0; d < 784; d++) {
        data[i * 784 + d] = CounterNoise.uniform(key, d) < 0.15 ? 1f : 0f;
      }
    }
    return FloatTensor.of(data, rows, 784);
  }

  private static ModelRef ref(String name) {
    return ModelRef.newBuilder().setName(name).build();
  }

  private static EncodeRequest encode(String model, int rows) {
    return EncodeRequest.newBuilder()
        .setModel(ref(model))
        .setX(TensorCodec.encode(binaryImages(rows)))
        .build();
  }

  private static LogProbRequest logProb(String model, int rows, int... dims) {
    LogProbRequest.Builder b =
        LogProbRequest.newBuilder()
            .setModel(ref(model))
            .setX(TensorCodec.encode(binaryImages(rows)));
    for (int layer = 0; layer < dims.length; layer++) {
      int dim = dims[layer];
      float[] z = new float[rows * dim];
      for (int i = 0; i < rows; i++) {
        CounterNoise.gaussian(
            CounterNoise.rowKey(11 + layer, CounterNoise.Stream.PRIOR, i), 0, z, i * dim, dim);
      }
      b.addZ(TensorCodec.encode(FloatTensor.of(z, rows, dim)));
    }
    return b.build();
  }

  // ---- 1. idle memory per loaded model ----

  private void memory() throws Exception {
    System.out.printf(
        "%nidle RSS per loaded model: %d copies of each model, one server at a time, after an Encode"
            + " of 256 rows, a LogProb of 1024 rows and ImportanceWeights of 8 rows x k=1000 per model,"
            + " a full GC (jcmd GC.run) and 3 s idle; per model = (RSS N - RSS 1) / (N - 1), off heap"
            + " = the same without the committed Java heap%n",
        models);
    System.out.printf(
        "%-6s %-34s %10s %10s %12s %12s %9s %12s %12s%n",
        "model",
        "engine",
        "RSS 1 (MB)",
        "RSS N (MB)",
        "per model",
        "off heap",
        "threads",
        "graph files",
        "weights");
    for (DemoBundle kind : List.of(DemoBundle.IWAE1, DemoBundle.IWAE2)) {
      Path one = work.resolve(kind + "-one");
      Path many = work.resolve(kind + "-many");
      FileSystemModelRepository r1 = new FileSystemModelRepository(one);
      FileSystemModelRepository rn = new FileSystemModelRepository(many);
      kind.publish(r1, "m00", 1);
      long graphBytes = 0;
      // The encoder and decoder graphs hold each weight once: their files are the weights.
      long weights = 0;
      for (int i = 0; i < models; i++) {
        var b = kind.publish(rn, String.format("m%02d", i), i + 1);
        if (i == 0) {
          for (GraphRole role : GraphRole.values()) {
            graphBytes += Files.size(b.graphFile(role));
          }
          weights =
              Files.size(b.graphFile(GraphRole.ENCODER))
                  + Files.size(b.graphFile(GraphRole.DECODER));
        }
      }
      int[] dims = kind == DemoBundle.IWAE1 ? new int[] {50} : new int[] {100, 50};
      for (List<String> engine : List.of(OLD_ENGINE, NEW_ENGINE)) {
        String label =
            engine.isEmpty() ? "shared pool, no arena (new)" : "pool + arena per session (old)";
        long[] a = idleRss(one, 1, engine, dims);
        long[] b = idleRss(many, models, engine, dims);
        double perModel = (b[0] - a[0]) / (double) (models - 1);
        double perModelOffHeap = ((b[0] - b[2]) - (a[0] - a[2])) / (double) (models - 1);
        System.out.printf(
            Locale.ROOT,
            "%-6s %-34s %10.1f %10.1f %9.2f MB %9.2f MB %4d->%-4d %9.2f MB %9.2f MB%n",
            kind,
            label,
            a[0] / 1e6,
            b[0] / 1e6,
            perModel / 1e6,
            perModelOffHeap / 1e6,
            a[1],
            b[1],
            graphBytes / 1e6,
            weights / 1e6);
      }
    }
  }

  private long[] idleRss(Path repository, int count, List<String> engine, int[] dims)
      throws Exception {
    try (ServiceProcess p = server(repository, "memory", engine);
        Client c = new Client(p)) {
      awaitLoaded(c, count);
      // Requests of the sizes the evaluator sends, so that every session has run at full size.
      for (ModelInfo m : c.list().getModelsList()) {
        c.stub().encode(encode(m.getName(), 256));
        c.stub().logProb(logProb(m.getName(), 1024, dims));
        c.stub()
            .importanceWeights(
                ImportanceWeightsRequest.newBuilder()
                    .setModel(ref(m.getName()))
                    .setX(TensorCodec.encode(binaryImages(8)))
                    .setK(1000)
                    .build())
            .forEachRemaining(x -> {});
      }
      // Idle: a full collection (jcmd GC.run) lets G1 give back the heap the requests grew, so that
      // what remains is what the loaded models hold; then read /proc after the server settles.
      new ProcessBuilder("jcmd", Long.toString(p.pid()), "GC.run")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(60, TimeUnit.SECONDS);
      Thread.sleep(3000);
      long[] rss = rssAndThreads(p.pid());
      return new long[] {rss[0], rss[1], (long) heapBytes(p, "jvm_memory_committed_bytes{")};
    }
  }

  private static void awaitLoaded(Client c, int count) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
    while (c.list().getModelsList().stream()
            .filter(m -> m.getState() == ModelState.MODEL_STATE_LOADED)
            .count()
        < count) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("models did not load within 5 minutes");
      }
      Thread.sleep(200);
    }
  }

  // ---- 2. throughput of the two engine settings ----

  private void throughput() throws Exception {
    Path repository = work.resolve("throughput");
    DemoBundle.IWAE1.publish(new FileSystemModelRepository(repository), "bench", 1);
    System.out.printf(
        "%nthroughput, IWAE 1-layer, old engine (pool + arena per session) vs new (shared pool, no"
            + " arena), median of %d alternating rounds of %.1f s%n",
        rounds, seconds);
    try (ServiceProcess oldServer = server(repository, "old", OLD_ENGINE);
        ServiceProcess newServer = server(repository, "new", NEW_ENGINE);
        Client o = new Client(oldServer);
        Client n = new Client(newServer)) {
      System.out.printf("%-28s %12s %12s %8s%n", "case", "old", "new", "new/old");
      for (int batch : new int[] {1, 256, 4096}) {
        LogProbRequest request = logProb("bench", batch, 50);
        double[][] r = new double[2][rounds];
        for (int i = 0; i < rounds; i++) {
          r[0][i] = rate(() -> o.stub().logProb(request).getLogPz().getShape(0));
          r[1][i] = rate(() -> n.stub().logProb(request).getLogPz().getShape(0));
        }
        report("LogProb rows/s, batch " + batch, r);
      }
      EncodeRequest one = encode("bench", 1);
      double[][] r = new double[2][rounds];
      for (int i = 0; i < rounds; i++) {
        r[0][i] = concurrentRate(o, one, 16);
        r[1][i] = concurrentRate(n, one, 16);
      }
      report("Encode req/s, 16 clients", r);
    }
  }

  private void report(String label, double[][] r) {
    double a = Machine.median(r[0]);
    double b = Machine.median(r[1]);
    System.out.printf(Locale.ROOT, "%-28s %12.0f %12.0f %8.2f%n", label, a, b, b / a);
  }

  private double rate(java.util.function.LongSupplier call) {
    for (int i = 0; i < 3; i++) {
      call.getAsLong();
    }
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    long rows = 0;
    while (System.nanoTime() < end) {
      rows += call.getAsLong();
    }
    return rows / ((System.nanoTime() - start) / 1e9);
  }

  private double concurrentRate(Client c, EncodeRequest request, int clients) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    for (int i = 0; i < clients; i++) {
      pool.submit(
          () -> {
            while (System.nanoTime() < end) {
              c.stub().encode(request);
              done.incrementAndGet();
            }
          });
    }
    pool.shutdown();
    pool.awaitTermination(5, TimeUnit.MINUTES);
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  // ---- 3. cold-load latency ----

  private void cold() throws Exception {
    Path repository = work.resolve("cold");
    FileSystemModelRepository r = new FileSystemModelRepository(repository);
    for (int i = 0; i < models; i++) {
      DemoBundle.IWAE1.publish(r, String.format("m%02d", i), i + 1);
    }
    try (ServiceProcess p = server(repository, "cold", List.of("--memory-budget", "1"));
        Client c = new Client(p)) {
      EncodeRequest warmUp = encode("m00", 1);
      c.stub().encode(warmUp);
      long[] coldNanos = new long[models * 2];
      long[] warmNanos = new long[models * 2];
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < models; i++) {
          EncodeRequest request = encode(String.format("m%02d", i), 1);
          long t0 = System.nanoTime();
          c.stub().encode(request);
          long t1 = System.nanoTime();
          c.stub().encode(request);
          long t2 = System.nanoTime();
          coldNanos[round * models + i] = t1 - t0;
          warmNanos[round * models + i] = t2 - t1;
        }
      }
      Arrays.sort(coldNanos);
      Arrays.sort(warmNanos);
      System.out.printf(
          Locale.ROOT,
          "%ncold-load latency, IWAE 1-layer, single-row Encode on a model not loaded (budget 1 byte:"
              + " every other model unloads), %d calls: p50 %.1f ms, p99 %.1f ms, max %.1f ms;"
              + " the same call warm: p50 %.2f ms, p99 %.2f ms%n",
          coldNanos.length,
          pct(coldNanos, 0.5),
          pct(coldNanos, 0.99),
          coldNanos[coldNanos.length - 1] / 1e6,
          pct(warmNanos, 0.5),
          pct(warmNanos, 0.99));
    }
  }

  private static double pct(long[] sorted, double q) {
    int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  // ---- 4. many models in turn within a budget ----

  private void many() throws Exception {
    Path repository = work.resolve("many");
    FileSystemModelRepository r = new FileSystemModelRepository(repository);
    long t0 = System.nanoTime();
    for (int i = 0; i < models; i++) {
      DemoBundle.IWAE1.publish(r, String.format("m%03d", i), i + 1);
    }
    System.out.printf(
        Locale.ROOT,
        "%npublished %d IWAE 1-layer models in %.0f s%n",
        models,
        (System.nanoTime() - t0) / 1e9);
    try (ServiceProcess p = server(repository, "many", List.of("--memory-budget", budget));
        Client c = new Client(p)) {
      long rssStart = rssAndThreads(p.pid())[0];
      long rssMost = rssStart;
      long failed = 0;
      long start = System.nanoTime();
      long[] nanos = new long[models];
      for (int i = 0; i < models; i++) {
        EncodeRequest request = encode(String.format("m%03d", i), 1);
        long s = System.nanoTime();
        try {
          c.stub().encode(request);
        } catch (RuntimeException e) {
          failed++;
          System.out.println("failed: " + e);
        }
        nanos[i] = System.nanoTime() - s;
        rssMost = Math.max(rssMost, rssAndThreads(p.pid())[0]);
      }
      double took = (System.nanoTime() - start) / 1e9;
      ListModelsResponse list = c.list();
      long loaded =
          list.getModelsList().stream()
              .filter(m -> m.getState() == ModelState.MODEL_STATE_LOADED)
              .count();
      Arrays.sort(nanos);
      System.out.printf(
          Locale.ROOT,
          "%d models served in turn (one single-row Encode each) in %.1f s with budget %s: %d failed;"
              + " %d loaded at the end holding %.1f MB accounted (budget %.1f MB); server RSS %.1f MB at"
              + " start, at most %.1f MB; first-call latency p50 %.1f ms, p99 %.1f ms%n",
          models,
          took,
          budget,
          failed,
          loaded,
          list.getLoadedBytes() / 1e6,
          list.getMemoryBudgetBytes() / 1e6,
          rssStart / 1e6,
          rssMost / 1e6,
          pct(nanos, 0.5),
          pct(nanos, 0.99));
    }
  }

  // ---- 5. soak ----

  private void soak() throws Exception {
    Path repository = work.resolve("soak");
    FileSystemModelRepository r = new FileSystemModelRepository(repository);
    DemoBundle.IWAE1.publish(r, "soak", 1);
    Files.createDirectories(out);
    Path csv = out.resolve("soak.csv");
    try (ServiceProcess p = server(repository, "soak", List.of());
        Client c = new Client(p)) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong ok = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      ExecutorService clients = Executors.newFixedThreadPool(8);
      EncodeRequest enc = encode("soak", 16);
      LogProbRequest lp = logProb("soak", 64, 50);
      ImportanceWeightsRequest iw =
          ImportanceWeightsRequest.newBuilder()
              .setModel(ref("soak"))
              .setX(TensorCodec.encode(binaryImages(4)))
              .setK(200)
              .setSeed(3)
              .build();
      for (int t = 0; t < 8; t++) {
        int kind = t % 3;
        clients.submit(
            () -> {
              while (!stop.get()) {
                try {
                  switch (kind) {
                    case 0 -> c.stub().encode(enc);
                    case 1 -> c.stub().logProb(lp);
                    default -> c.stub().importanceWeights(iw).forEachRemaining(x -> {});
                  }
                  ok.incrementAndGet();
                } catch (RuntimeException e) {
                  failed.incrementAndGet();
                  System.out.println("failed: " + e);
                }
              }
            });
      }
      List<double[]> samples = new ArrayList<>();
      StringBuilder text =
          new StringBuilder("seconds,rss_mb,heap_mb,version,requests_ok,requests_failed\n");
      long start = System.nanoTime();
      long totalSeconds = (long) (minutes * 60);
      long version = 1;
      for (long s = 0; s <= totalSeconds; s += 10) {
        long wake = start + s * 1_000_000_000L;
        long now = System.nanoTime();
        if (wake > now) {
          Thread.sleep((wake - now) / 1_000_000);
        }
        if (s > 0 && s % 60 == 0 && s < totalSeconds) {
          version++;
          DemoBundle.IWAE1.publish(r, "soak", version);
        }
        long rss = rssAndThreads(p.pid())[0];
        double heap = heapBytes(p);
        double[] row = {s, rss / 1e6, heap / 1e6, version, ok.get(), failed.get()};
        samples.add(row);
        text.append(
            String.format(
                Locale.ROOT,
                "%d,%.1f,%.1f,%d,%d,%d%n",
                s,
                row[1],
                row[2],
                version,
                ok.get(),
                failed.get()));
        System.out.print(text.substring(text.lastIndexOf("\n", text.length() - 2) + 1));
      }
      stop.set(true);
      clients.shutdown();
      clients.awaitTermination(2, TimeUnit.MINUTES);
      Files.writeString(csv, text.toString());
      plot(samples, out.resolve("soak.png"));
      List<ModelInfo> served = c.list().getModelsList();
      System.out.printf(
          Locale.ROOT,
          "soak: %.1f minutes, %d versions published, %d requests ok, %d failed; served at the end: %s;"
              + " %s and soak.png written%n",
          minutes,
          version,
          ok.get(),
          failed.get(),
          served.stream()
              .map(m -> m.getName() + "/" + m.getVersion() + " " + m.getState())
              .toList(),
          csv);
    }
  }

  /** Heap in use from the server's /metrics (Micrometer's jvm_memory_used_bytes, area="heap"). */
  private static double heapBytes(ServiceProcess p) {
    return heapBytes(p, "jvm_memory_used_bytes{");
  }

  private static double heapBytes(ServiceProcess p, String metric) {
    try {
      String port = metricsPort(p);
      try (InputStream in =
          URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openStream()) {
        double sum = 0;
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          if (line.startsWith(metric) && line.contains("area=\"heap\"")) {
            sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
        return sum;
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static String metricsPort(ServiceProcess p) throws IOException {
    String all = Files.readString(p.log());
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("metrics on port (\\d+)").matcher(all);
    if (!m.find()) {
      throw new IOException("no metrics port in " + p.log());
    }
    return m.group(1);
  }

  /** RSS and heap (MB) against time, with a mark at each published version. */
  private static void plot(List<double[]> samples, Path png) throws IOException {
    int w = 800;
    int h = 420;
    int left = 70;
    int right = 20;
    int top = 40;
    int bottom = 50;
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    double tMax = samples.get(samples.size() - 1)[0];
    double yMax = 0;
    for (double[] s : samples) {
      yMax = Math.max(yMax, Math.max(s[1], Double.isNaN(s[2]) ? 0 : s[2]));
    }
    yMax = Math.ceil(yMax * 1.1 / 100) * 100;
    g.setColor(new Color(0xDDDDDD));
    for (int i = 0; i <= 5; i++) {
      int y = top + (h - top - bottom) * i / 5;
      g.drawLine(left, y, w - right, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.0f MB", yMax * (5 - i) / 5), 8, y + 4);
      g.setColor(new Color(0xDDDDDD));
    }
    g.setColor(Color.DARK_GRAY);
    for (int i = 0; i <= 10; i++) {
      int x = left + (w - left - right) * i / 10;
      g.drawString(String.format(Locale.ROOT, "%.0f", tMax * i / 10), x - 8, h - bottom + 18);
    }
    g.drawString("seconds", w / 2 - 20, h - 12);
    g.drawString(
        "inference-service under mixed load, a version published every minute: RSS (blue), heap (orange)",
        left,
        24);
    double prevVersion = 1;
    for (double[] s : samples) {
      if (s[3] != prevVersion) {
        int x = (int) (left + (w - left - right) * s[0] / tMax);
        g.setColor(new Color(0xBBBBBB));
        g.drawLine(x, top, x, h - bottom);
        prevVersion = s[3];
      }
    }
    g.setStroke(new BasicStroke(2f));
    for (int series = 1; series <= 2; series++) {
      g.setColor(series == 1 ? new Color(0x1F6FB4) : new Color(0xD96C1E));
      int px = -1;
      int py = -1;
      for (double[] s : samples) {
        if (Double.isNaN(s[series])) {
          continue;
        }
        int x = (int) (left + (w - left - right) * s[0] / tMax);
        int y = (int) (h - bottom - (h - top - bottom) * s[series] / yMax);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }
}
