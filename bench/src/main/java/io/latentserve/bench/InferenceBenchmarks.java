package io.latentserve.bench;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.cli.DemoBundle;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.inference.core.ModelLimits;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.inference.onnx.OnnxConfig;
import io.latentserve.inference.onnx.OnnxVaeModels;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DataType;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.proto.v1.ValueEncoding;
import io.latentserve.wire.TensorCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The inference benchmarks of bench/RESULTS.md, each measured side by side in one run (alternating
 * rounds, medians) because the machine is shared and noisy:
 *
 * <ol>
 *   <li>{@code logprob}: LogProb rows/s over gRPC (a separate server process on loopback) against
 *       the same graph in-process in ONNX Runtime, batch 1 to 4096.
 *   <li>{@code batching}: 64 concurrent clients sending single-row Encode requests to a server with
 *       dynamic batching on and to one with it off: throughput, latency percentiles and CPU time
 *       per request on each side, with the ratio that batching could reach at most when clients and
 *       server share the CPU (from the in-process engine costs and a model-free RPC).
 *   <li>{@code latency}: sequential single-row Encode round trips, p50 and p99.
 * </ol>
 *
 * <p>Usage: {@code bench/run [logprob|batching|latency|all] [--seconds S] [--rounds R]}.
 */
public final class InferenceBenchmarks {
  private static final String MODEL = "bench";
  private static final int[] BATCHES = {1, 4, 16, 64, 256, 1024, 4096};

  private final double seconds;
  private final int rounds;

  private InferenceBenchmarks(double seconds, int rounds) {
    this.seconds = seconds;
    this.rounds = rounds;
  }

  public static void main(String[] args) throws Exception {
    String which = "all";
    double seconds = 2;
    int rounds = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        default -> which = args[i];
      }
    }
    new InferenceBenchmarks(seconds, rounds).run(which);
  }

  private void run(String which) throws Exception {
    Path work = Files.createTempDirectory("latentserve-bench");
    Path repository = work.resolve("models");
    Bundle bundle = DemoBundle.IWAE1.publish(new FileSystemModelRepository(repository), MODEL, 1);
    System.out.printf(
        "machine: %d cores, %s %s; model: %s (IWAE 1-layer 784-200-200-50, random weights)%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        bundle.directory());
    try (ServiceProcess batched = server(repository, work, true);
        ServiceProcess unbatched = server(repository, work, false)) {
      batched.awaitServing(Duration.ofMinutes(2), elapsed -> {});
      unbatched.awaitServing(Duration.ofMinutes(2), elapsed -> {});
      if (which.equals("all") || which.equals("logprob")) {
        logProb(bundle, batched, unbatched);
      }
      if (which.equals("all") || which.equals("batching")) {
        batching(bundle, batched, unbatched);
      }
      if (which.equals("all") || which.equals("latency")) {
        latency(batched, unbatched);
      }
    }
  }

  private static ServiceProcess server(Path repository, Path work, boolean batching)
      throws IOException {
    return ServiceProcess.start(
        "inference",
        ServiceProcess.freePort(),
        List.of(
            "--model-repository", repository.toString(),
            "--metrics-port", Integer.toString(ServiceProcess.freePort()),
            "--batching", Boolean.toString(batching)),
        Files.createTempFile(work, "inference-" + (batching ? "batched" : "unbatched"), ".log"));
  }

  // ---- 1. LogProb rows/s, gRPC against in-process ----

  private void logProb(Bundle bundle, ServiceProcess batched, ServiceProcess unbatched) {
    System.out.println();
    System.out.println(
        "1. LogProb rows/s: in-process ONNX Runtime vs gRPC on loopback (median of "
            + rounds
            + " alternating rounds of "
            + seconds
            + " s)");
    System.out.println(
        "(grpc uint8: batching off, x sent as 8-bit pixels, the API's compact form for image data)");
    System.out.printf(
        "%7s %14s %16s %16s %14s %8s %8s %8s%n",
        "batch",
        "in-process",
        "grpc batching",
        "grpc no-batch",
        "grpc uint8",
        "ratio",
        "ratio",
        "ratio");
    try (VaeModel local = OnnxVaeModels.open(bundle, OnnxConfig.defaults(), ModelLimits.DEFAULT);
        Client b = new Client(batched);
        Client u = new Client(unbatched)) {
      for (int batch : BATCHES) {
        FloatTensor x = binaryImages(batch, 784);
        FloatTensor z = normals(batch, 50);
        LogProbRequest request =
            LogProbRequest.newBuilder()
                .setModel(ModelRef.newBuilder().setName(MODEL))
                .setX(TensorCodec.encode(x))
                .addZ(TensorCodec.encode(z))
                .build();
        LogProbRequest uint8Request = request.toBuilder().setX(uint8Pixels(x)).build();
        double[][] rates = new double[4][rounds];
        for (int r = 0; r < rounds; r++) {
          rates[0][r] =
              rowsPerSecond(
                  batch,
                  () -> {
                    local.logProb(x, List.of(z));
                    return batch;
                  });
          rates[1][r] =
              rowsPerSecond(batch, () -> b.stub().logProb(request).getLogPz().getShape(0));
          rates[2][r] =
              rowsPerSecond(batch, () -> u.stub().logProb(request).getLogPz().getShape(0));
          rates[3][r] =
              rowsPerSecond(batch, () -> u.stub().logProb(uint8Request).getLogPz().getShape(0));
        }
        double inProcess = median(rates[0]);
        double grpcBatched = median(rates[1]);
        double grpcUnbatched = median(rates[2]);
        double grpcUint8 = median(rates[3]);
        System.out.printf(
            Locale.ROOT,
            "%7d %14.0f %16.0f %16.0f %14.0f %8.2f %8.2f %8.2f%n",
            batch,
            inProcess,
            grpcBatched,
            grpcUnbatched,
            grpcUint8,
            grpcBatched / inProcess,
            grpcUnbatched / inProcess,
            grpcUint8 / inProcess);
      }
    }
  }

  /** x as uint8 pixels (value * 255), which the service maps back to the same float32 values. */
  private static Tensor uint8Pixels(FloatTensor x) {
    float[] values = x.data();
    byte[] pixels = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      pixels[i] = (byte) Math.round(values[i] * 255);
    }
    Tensor.Builder tensor =
        Tensor.newBuilder()
            .setDtype(DataType.DATA_TYPE_UINT8)
            .setEncoding(ValueEncoding.VALUE_ENCODING_PIXELS_0_255)
            .setData(UnsafeByteOperations.unsafeWrap(pixels));
    for (long d : x.shape()) {
      tensor.addShape(d);
    }
    return tensor.build();
  }

  private double rowsPerSecond(int batch, LongSupplier call) {
    long warmupEnd = System.nanoTime() + (long) (0.2e9 * seconds);
    while (System.nanoTime() < warmupEnd) {
      call.getAsLong();
    }
    long rows = 0;
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long now;
    do {
      rows += call.getAsLong();
      now = System.nanoTime();
    } while (now < end);
    if (rows % batch != 0) {
      throw new IllegalStateException("a call returned a wrong row count");
    }
    return rows / ((now - start) / 1e9);
  }

  // ---- 2. 64 concurrent single-row Encode clients, batching on against off ----

  private void batching(Bundle bundle, ServiceProcess batched, ServiceProcess unbatched)
      throws InterruptedException {
    int clients = 64;
    System.out.println();
    System.out.println(
        "2. "
            + clients
            + " concurrent clients, single-row Encode (median of "
            + rounds
            + " alternating rounds of "
            + seconds
            + " s; CPU = microseconds of process CPU time per request)");
    System.out.printf(
        "%-22s %11s %8s %8s %9s %11s %11s%n",
        "server, call", "requests/s", "p50 ms", "p99 ms", "p99.9 ms", "server CPU", "client CPU");
    EncodeRequest encode =
        EncodeRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName(MODEL))
            .setX(TensorCodec.encode(binaryImages(1, 784)))
            .build();
    GetModelRequest getModel =
        GetModelRequest.newBuilder().setModel(ModelRef.newBuilder().setName(MODEL)).build();
    List<LoadResult> on = new ArrayList<>();
    List<LoadResult> off = new ArrayList<>();
    List<LoadResult> bare = new ArrayList<>();
    try (Client b = new Client(batched);
        Client u = new Client(unbatched)) {
      for (int r = 0; r < rounds; r++) {
        on.add(load(batched, clients, () -> b.stub().encode(encode)));
        off.add(load(unbatched, clients, () -> u.stub().encode(encode)));
        bare.add(load(unbatched, clients, () -> u.stub().getModel(getModel)));
      }
    }
    LoadResult medianOn = LoadResult.median(on);
    LoadResult medianOff = LoadResult.median(off);
    LoadResult medianBare = LoadResult.median(bare);
    medianOn.print("batching on, Encode");
    medianOff.print("batching off, Encode");
    medianBare.print("batching off, GetModel");
    System.out.printf(
        Locale.ROOT, "throughput ratio on/off: %.2fx%n", medianOn.perSecond / medianOff.perSecond);
    engineCeiling(bundle, medianBare);
  }

  /**
   * What batching can gain when client and server share the CPU: it removes engine work only. One
   * request costs the RPC (measured as a GetModel call, which does no model work) plus the engine's
   * share; batching replaces the single-row engine cost by the per-row cost of a 64-row run.
   */
  private void engineCeiling(Bundle bundle, LoadResult rpcOnly) {
    double single;
    double batchedPerRow;
    try (VaeModel local = OnnxVaeModels.open(bundle, OnnxConfig.defaults(), ModelLimits.DEFAULT)) {
      single = encodeMicros(local, 1);
      batchedPerRow = encodeMicros(local, 64) / 64;
    }
    double rpc = rpcOnly.serverCpuMicros + rpcOnly.clientCpuMicros;
    System.out.printf(
        Locale.ROOT,
        "in-process Encode: %.1f us for 1 row, %.1f us per row in a 64-row run; RPC without"
            + " model work: %.1f us CPU (server + client)%n",
        single,
        batchedPerRow,
        rpc);
    System.out.printf(
        Locale.ROOT,
        "ceiling of the on/off ratio on a CPU shared by clients and server: (%.1f + %.1f) /"
            + " (%.1f + %.1f) = %.2fx%n",
        rpc,
        single,
        rpc,
        batchedPerRow,
        (rpc + single) / (rpc + batchedPerRow));
  }

  /** Best mean microseconds per in-process Encode call of {@code rows} rows. */
  private double encodeMicros(VaeModel model, int rows) {
    FloatTensor x = binaryImages(rows, 784);
    int calls = Math.max(50, (int) (2000 * seconds / rows));
    double best = Double.MAX_VALUE;
    for (int r = 0; r <= rounds; r++) {
      long start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        model.encode(x, false, 1, 0);
      }
      double micros = (System.nanoTime() - start) / 1e3 / calls;
      // round 0 warms up
      best = r == 0 ? best : Math.min(best, micros);
    }
    return best;
  }

  private LoadResult load(ServiceProcess server, int clients, Runnable call)
      throws InterruptedException {
    // warm-up, then the timed window
    runClients(server, clients, call, 0.25 * seconds);
    return runClients(server, clients, call, seconds);
  }

  private static LoadResult runClients(
      ServiceProcess server, int clients, Runnable call, double seconds)
      throws InterruptedException {
    long[][] latencies = new long[clients][];
    int[] counts = new int[clients];
    CountDownLatch done = new CountDownLatch(clients);
    Duration serverCpu = cpuTime(ProcessHandle.of(server.pid()).orElseThrow());
    Duration clientCpu = cpuTime(ProcessHandle.current());
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    for (int c = 0; c < clients; c++) {
      int id = c;
      Thread thread =
          new Thread(
              () -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                try {
                  while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    call.run();
                    if (n == mine.length) {
                      mine = Arrays.copyOf(mine, n * 2);
                    }
                    mine[n++] = System.nanoTime() - t0;
                  }
                } finally {
                  latencies[id] = mine;
                  counts[id] = n;
                  done.countDown();
                }
              },
              "bench-client-" + c);
      thread.start();
    }
    done.await();
    double elapsed = (System.nanoTime() - start) / 1e9;
    serverCpu = cpuTime(ProcessHandle.of(server.pid()).orElseThrow()).minus(serverCpu);
    clientCpu = cpuTime(ProcessHandle.current()).minus(clientCpu);
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int offset = 0;
    for (int c = 0; c < clients; c++) {
      System.arraycopy(latencies[c], 0, all, offset, counts[c]);
      offset += counts[c];
    }
    Arrays.sort(all);
    return new LoadResult(
        total / elapsed,
        percentileMs(all, 0.5),
        percentileMs(all, 0.99),
        percentileMs(all, 0.999),
        serverCpu.toNanos() / 1e3 / total,
        clientCpu.toNanos() / 1e3 / total);
  }

  private static Duration cpuTime(ProcessHandle process) {
    return process
        .info()
        .totalCpuDuration()
        .orElseThrow(() -> new IllegalStateException("no CPU time for process " + process.pid()));
  }

  /** Throughput, latency percentiles and CPU microseconds per request of one load window. */
  record LoadResult(
      double perSecond,
      double p50,
      double p99,
      double p999,
      double serverCpuMicros,
      double clientCpuMicros) {
    static LoadResult median(List<LoadResult> results) {
      List<LoadResult> sorted = new ArrayList<>(results);
      sorted.sort((a, b) -> Double.compare(a.perSecond, b.perSecond));
      return sorted.get(sorted.size() / 2);
    }

    void print(String label) {
      System.out.printf(
          Locale.ROOT,
          "%-22s %11.0f %8.3f %8.3f %9.3f %11.1f %11.1f%n",
          label,
          perSecond,
          p50,
          p99,
          p999,
          serverCpuMicros,
          clientCpuMicros);
    }
  }

  // ---- 3. Unary round trip of a small request ----

  private void latency(ServiceProcess batched, ServiceProcess unbatched) {
    int calls = Math.max(2000, (int) (2000 * seconds));
    System.out.println();
    System.out.println(
        "3. Sequential single-row Encode round trips ("
            + calls
            + " calls after "
            + calls / 2
            + " warm-up calls, "
            + rounds
            + " rounds, median)");
    System.out.printf("%-12s %10s %10s %10s%n", "server", "p50 ms", "p90 ms", "p99 ms");
    EncodeRequest request =
        EncodeRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName(MODEL))
            .setX(TensorCodec.encode(binaryImages(1, 784)))
            .build();
    try (Client b = new Client(batched);
        Client u = new Client(unbatched)) {
      double[][] on = new double[3][rounds];
      double[][] off = new double[3][rounds];
      for (int r = 0; r < rounds; r++) {
        roundTrips(u, request, calls, off, r);
        roundTrips(b, request, calls, on, r);
      }
      System.out.printf(
          Locale.ROOT,
          "%-12s %10.3f %10.3f %10.3f%n",
          "batching off",
          median(off[0]),
          median(off[1]),
          median(off[2]));
      System.out.printf(
          Locale.ROOT,
          "%-12s %10.3f %10.3f %10.3f%n",
          "batching on",
          median(on[0]),
          median(on[1]),
          median(on[2]));
    }
  }

  private static void roundTrips(
      Client client, EncodeRequest request, int calls, double[][] out, int round) {
    for (int i = 0; i < calls / 2; i++) {
      client.stub().encode(request);
    }
    long[] times = new long[calls];
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      client.stub().encode(request);
      times[i] = System.nanoTime() - t0;
    }
    Arrays.sort(times);
    out[0][round] = percentileMs(times, 0.5);
    out[1][round] = percentileMs(times, 0.9);
    out[2][round] = percentileMs(times, 0.99);
  }

  // ---- helpers ----

  /** A channel to one server; every call has a deadline. */
  private static final class Client implements AutoCloseable {
    private final ManagedChannel channel;
    private final InferenceGrpc.InferenceBlockingStub stub;

    Client(ServiceProcess server) {
      channel =
          ManagedChannelBuilder.forTarget(server.target())
              .usePlaintext()
              .maxInboundMessageSize(256 << 20)
              .build();
      stub = InferenceGrpc.newBlockingStub(channel);
    }

    InferenceGrpc.InferenceBlockingStub stub() {
      return stub.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }

  private static FloatTensor binaryImages(int rows, int features) {
    float[] data = new float[rows * features];
    for (int i = 0; i < rows; i++) {
      long key = CounterNoise.rowKey(7, CounterNoise.Stream.BINARIZATION, i);
      for (int d = 0; d < features; d++) {
        data[i * features + d] = CounterNoise.uniform(key, d) < 0.15 ? 1f : 0f;
      }
    }
    return FloatTensor.of(data, rows, features);
  }

  private static FloatTensor normals(int rows, int dim) {
    float[] data = new float[rows * dim];
    for (int i = 0; i < rows; i++) {
      CounterNoise.gaussian(
          CounterNoise.rowKey(11, CounterNoise.Stream.PRIOR, i), 0, data, i * dim, dim);
    }
    return FloatTensor.of(data, rows, dim);
  }

  private static double percentileMs(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(q * sortedNanos.length) - 1);
    return sortedNanos[Math.max(0, index)] / 1e6;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
