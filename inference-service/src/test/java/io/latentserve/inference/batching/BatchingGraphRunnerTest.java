package io.latentserve.inference.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.inference.core.LogWeightsChunk;
import io.latentserve.inference.core.ModelLimits;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.inference.core.QueueFullException;
import io.latentserve.inference.core.SeededVaeModel;
import io.latentserve.inference.onnx.OnnxConfig;
import io.latentserve.inference.onnx.OnnxDevice;
import io.latentserve.inference.onnx.OnnxGraphRunner;
import io.latentserve.inference.onnx.TestBundles;
import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic batching over a real ONNX Runtime runner: merged results must be bit-identical to
 * unbatched runs, and concurrent calls must actually merge.
 */
class BatchingGraphRunnerTest {
  /** Latent size 50 and hidden width 30 are not multiples of 4: rows need alignment 2. */
  private static final VaeArchitecture ARCHITECTURE =
      new VaeArchitecture(
          784,
          List.of(
              new StochasticLayer("z1", 50, List.of(30)), new StochasticLayer("z2", 6, List.of())),
          Activation.TANH,
          LikelihoodFamily.BERNOULLI,
          0);

  @TempDir static Path root;
  private static Bundle bundle;
  private static OnnxGraphRunner onnx;
  private final ExecutorService pool = Executors.newFixedThreadPool(128);
  private final List<BatchRecord> batches = new CopyOnWriteArrayList<>();
  private final AtomicInteger rejected = new AtomicInteger();
  private final BatchListener listener =
      new BatchListener() {
        @Override
        public void onBatch(
            GraphRole role, int requests, int rows, Duration queueDelay, Duration runTime) {
          batches.add(new BatchRecord(role, requests, rows));
        }

        @Override
        public void onRejected(GraphRole role) {
          rejected.incrementAndGet();
        }
      };

  record BatchRecord(GraphRole role, int requests, int rows) {}

  @BeforeAll
  static void load() {
    bundle = TestBundles.publish(VaeWeights.random(ARCHITECTURE, 11), root, "batching-vae");
    onnx = OnnxGraphRunner.open(bundle, new OnnxConfig(OnnxDevice.parse("cpu"), 2));
  }

  @AfterAll
  static void unload() {
    onnx.close();
  }

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  /** A batching runner over {@code delegate}, reporting to this test's listener. */
  private BatchingGraphRunner batching(BatchingConfig config, GraphRunnerWithoutClose delegate) {
    return new BatchingGraphRunner(delegate, config, listener);
  }

  @Test
  void runAsync_manyRequestsFromOneThread_mergedIntoOneBatchAndIdenticalToUnbatched()
      throws Exception {
    List<Map<String, FloatTensor>> requests = new ArrayList<>();
    List<Map<String, FloatTensor>> expected = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      requests.add(logJointInputs(1, i));
      expected.add(onnx.run(GraphRole.LOG_JOINT, requests.get(i)));
    }
    // 16 aligned rows fill the batch exactly; the long delay means only a full batch runs early
    BatchingConfig config = new BatchingConfig(32, Duration.ofSeconds(30), 64);
    try (BatchingGraphRunner runner = batching(config, new GraphRunnerWithoutClose(onnx))) {
      List<CompletableFuture<Map<String, FloatTensor>>> futures = new ArrayList<>();
      for (Map<String, FloatTensor> r : requests) {
        futures.add(runner.runAsync(GraphRole.LOG_JOINT, r));
      }
      List<Map<String, FloatTensor>> actual = new ArrayList<>();
      for (CompletableFuture<Map<String, FloatTensor>> f : futures) {
        actual.add(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(actual).isEqualTo(expected);
    }
    assertThat(batches).containsExactly(new BatchRecord(GraphRole.LOG_JOINT, 16, 16));
  }

  @Test
  void close_fromAResultCallbackOnTheDispatcher_finishesTheBatchAndClosesTheDelegate()
      throws Exception {
    // Releasing the last lease of a retired model closes it from the callback of a result, i.e. on
    // the dispatcher thread, which must not wait for its own end.
    GraphRunnerWithoutClose delegate = new GraphRunnerWithoutClose(onnx);
    // two single-row requests, aligned to 2 rows each, fill a 4-row batch: both callbacks are
    // attached before the batch runs, so they run on the dispatcher
    BatchingGraphRunner runner =
        batching(new BatchingConfig(4, Duration.ofSeconds(30), 8), delegate);
    CompletableFuture<Map<String, FloatTensor>> first =
        runner.runAsync(GraphRole.LOG_JOINT, logJointInputs(1, 0));
    CompletableFuture<Void> closing = first.thenAccept(r -> runner.close());
    CompletableFuture<Map<String, FloatTensor>> second =
        runner.runAsync(GraphRole.LOG_JOINT, logJointInputs(1, 1));

    closing.get(30, TimeUnit.SECONDS);
    assertThat(second.get(30, TimeUnit.SECONDS))
        .isEqualTo(onnx.run(GraphRole.LOG_JOINT, logJointInputs(1, 1)));
    assertThat(delegate.closed.await(30, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(
            () ->
                runner
                    .runAsync(GraphRole.LOG_JOINT, logJointInputs(1, 2))
                    .get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ModelUnavailableException.class);
    runner.close();
  }

  @Test
  void runAsync_closedRunner_failsTheFutureNotTheCaller() {
    BatchingGraphRunner runner =
        batching(BatchingConfig.DEFAULT, new GraphRunnerWithoutClose(onnx));
    runner.close();
    CompletableFuture<Map<String, FloatTensor>> f =
        runner.runAsync(GraphRole.LOG_JOINT, logJointInputs(1, 0));
    assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ModelUnavailableException.class);
  }

  @Test
  void run_64ConcurrentSingleRowCalls_mergedAndIdenticalToUnbatched() throws Exception {
    List<Map<String, FloatTensor>> requests = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      requests.add(logJointInputs(1, i));
    }
    List<Map<String, FloatTensor>> expected = new ArrayList<>();
    for (Map<String, FloatTensor> r : requests) {
      expected.add(onnx.run(GraphRole.LOG_JOINT, r));
    }
    BatchingConfig config = new BatchingConfig(64, Duration.ofMillis(500), 128);
    try (BatchingGraphRunner runner = batching(config, new GraphRunnerWithoutClose(onnx))) {
      List<Map<String, FloatTensor>> actual =
          concurrently(requests, r -> runner.run(GraphRole.LOG_JOINT, r));
      assertThat(actual).isEqualTo(expected);
    }
    assertThat(batches.stream().mapToInt(BatchRecord::requests).sum()).isEqualTo(64);
    assertThat(batches.stream().mapToInt(BatchRecord::rows).sum()).isEqualTo(64);
    // All 64 arrive within the 500 ms window; allow some stragglers on a loaded machine.
    assertThat(batches).hasSizeLessThanOrEqualTo(8);
  }

  @Test
  void run_concurrentMixedSizesAndGraphs_identicalToUnbatched() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    List<Call> calls = new ArrayList<>();
    for (int i = 0; i < 96; i++) {
      int rows = 1 + random.nextInt(7);
      switch (i % 4) {
        case 0 -> calls.add(new Call(GraphRole.LOG_JOINT, logJointInputs(rows, i)));
        case 1 -> calls.add(new Call(GraphRole.ENCODER, encoderInputs(rows, i)));
        case 2 -> calls.add(new Call(GraphRole.LOG_WEIGHTS, logWeightsInputs(rows, 3, i)));
        default -> calls.add(new Call(GraphRole.LOG_WEIGHTS, logWeightsInputs(rows, 5, i)));
      }
    }
    List<Map<String, FloatTensor>> expected = new ArrayList<>();
    for (Call c : calls) {
      expected.add(onnx.run(c.role(), c.inputs()));
    }
    BatchingConfig config = new BatchingConfig(40, Duration.ofMillis(20), 256);
    try (BatchingGraphRunner runner = batching(config, new GraphRunnerWithoutClose(onnx))) {
      List<Map<String, FloatTensor>> actual =
          concurrently(calls, c -> runner.run(c.role(), c.inputs()));
      for (int i = 0; i < calls.size(); i++) {
        assertThat(actual.get(i))
            .as("call %d (%s)", i, calls.get(i).role())
            .isEqualTo(expected.get(i));
      }
    }
    assertThat(batches.stream().mapToInt(BatchRecord::requests).sum()).isEqualTo(96);
    assertThat(batches).anySatisfy(b -> assertThat(b.requests()).isGreaterThan(1));
  }

  @Test
  void seededModel_concurrentImportanceWeights_identicalToUnbatchedModel() throws Exception {
    FloatTensor x = binary(12, 99);
    try (SeededVaeModel direct =
            SeededVaeModel.of(bundle, new GraphRunnerWithoutClose(onnx), ModelLimits.DEFAULT);
        SeededVaeModel batched =
            SeededVaeModel.of(
                bundle,
                batching(
                    new BatchingConfig(64, Duration.ofMillis(20), 256),
                    new GraphRunnerWithoutClose(onnx)),
                ModelLimits.DEFAULT)) {
      List<Integer> rows = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        rows.add(i);
      }
      List<LogWeightsChunk> actual =
          concurrently(rows, i -> batched.importanceWeights(x.rows(i, i + 1), 0, 9, 77, i, true));
      // Row i alone (first row i), merged with the others, equals row i of the whole request.
      LogWeightsChunk whole = direct.importanceWeights(x, 0, 9, 77, 0, true);
      for (int i = 0; i < 12; i++) {
        assertThat(actual.get(i).logWeights()).isEqualTo(whole.logWeights().rows(i, i + 1));
        assertThat(actual.get(i).components().orElseThrow().logQzGivenX())
            .isEqualTo(whole.components().orElseThrow().logQzGivenX().rows(i, i + 1));
      }
    }
    assertThat(batches).anySatisfy(b -> assertThat(b.requests()).isGreaterThan(1));
  }

  /**
   * A conditional model: each request's condition rows travel with its x rows through the merge, so
   * every row keeps its own label and its bits.
   */
  @Test
  void seededModel_conditionalConcurrentRequests_identicalToUnbatchedModel() throws Exception {
    Bundle conditional =
        TestBundles.publish(
            VaeWeights.random(ARCHITECTURE.withConditionDim(10), 12), root, "batching-cvae");
    FloatTensor x = binary(12, 98);
    float[] labels = new float[12 * 10];
    for (int i = 0; i < 12; i++) {
      labels[i * 10 + (i * 7) % 10] = 1;
    }
    FloatTensor y = FloatTensor.of(labels, 12, 10);
    try (OnnxGraphRunner engine =
            OnnxGraphRunner.open(conditional, new OnnxConfig(OnnxDevice.parse("cpu"), 2));
        SeededVaeModel direct =
            SeededVaeModel.of(
                conditional, new GraphRunnerWithoutClose(engine), ModelLimits.DEFAULT);
        SeededVaeModel batched =
            SeededVaeModel.of(
                conditional,
                batching(
                    new BatchingConfig(64, Duration.ofMillis(20), 256),
                    new GraphRunnerWithoutClose(engine)),
                ModelLimits.DEFAULT)) {
      List<Integer> rows = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        rows.add(i);
      }
      List<LogWeightsChunk> weights =
          concurrently(
              rows,
              i ->
                  batched.importanceWeights(x.rows(i, i + 1), y.rows(i, i + 1), 0, 9, 77, i, true));
      List<FloatTensor> tops =
          concurrently(
              rows,
              i ->
                  batched
                      .encode(x.rows(i, i + 1), y.rows(i, i + 1), true, 77, i)
                      .layers()
                      .get(1)
                      .sample()
                      .orElseThrow());
      LogWeightsChunk whole = direct.importanceWeights(x, y, 0, 9, 77, 0, true);
      FloatTensor wholeTop =
          direct.encode(x, y, true, 77, 0).layers().get(1).sample().orElseThrow();
      for (int i = 0; i < 12; i++) {
        assertThat(weights.get(i).logWeights()).isEqualTo(whole.logWeights().rows(i, i + 1));
        assertThat(weights.get(i).components().orElseThrow().logPz())
            .isEqualTo(whole.components().orElseThrow().logPz().rows(i, i + 1));
        assertThat(tops.get(i)).isEqualTo(wholeTop.rows(i, i + 1));
      }
    }
    assertThat(batches).anySatisfy(b -> assertThat(b.requests()).isGreaterThan(1));
  }

  @Test
  void run_requestOfMaxBatchRows_runsAloneWithoutQueueing() {
    Map<String, FloatTensor> inputs = logJointInputs(8, 1);
    try (BatchingGraphRunner runner =
        batching(
            new BatchingConfig(8, Duration.ofSeconds(10), 4), new GraphRunnerWithoutClose(onnx))) {
      assertThat(runner.run(GraphRole.LOG_JOINT, inputs))
          .isEqualTo(onnx.run(GraphRole.LOG_JOINT, inputs));
    }
    assertThat(batches).isEmpty();
  }

  @Test
  void run_queueFull_throwsQueueFullAndNotifies() throws Exception {
    GatedGraphRunner gated = new GatedGraphRunner(new GraphRunnerWithoutClose(onnx));
    BatchingGraphRunner runner =
        batching(new BatchingConfig(1_000, Duration.ZERO, 2), shared(gated));
    try {
      Future<?> first = pool.submit(() -> runner.run(GraphRole.LOG_JOINT, logJointInputs(1, 0)));
      assertThat(gated.awaitEntered(1)).isTrue(); // the dispatcher holds the first request
      Future<?> second = pool.submit(() -> runner.run(GraphRole.LOG_JOINT, logJointInputs(1, 1)));
      Future<?> third = pool.submit(() -> runner.run(GraphRole.LOG_JOINT, logJointInputs(1, 2)));
      awaitQueued(runner, 2);
      assertThatThrownBy(() -> runner.run(GraphRole.LOG_JOINT, logJointInputs(1, 3)))
          .isInstanceOf(QueueFullException.class)
          .hasMessageContaining("holds 2 requests and 0 run alone")
          .hasMessageContaining("the limit is 2");
      assertThat(rejected).hasValue(1);
      gated.open();
      first.get(30, TimeUnit.SECONDS);
      second.get(30, TimeUnit.SECONDS);
      third.get(30, TimeUnit.SECONDS);
    } finally {
      gated.open();
      runner.close();
    }
  }

  @Test
  void run_requestsOfMaxBatchRowsRunningAlone_countAgainstTheQueueLength() throws Exception {
    GatedGraphRunner gated = new GatedGraphRunner(new GraphRunnerWithoutClose(onnx));
    BatchingGraphRunner runner = batching(new BatchingConfig(4, Duration.ZERO, 2), shared(gated));
    try {
      Future<?> first = pool.submit(() -> runner.run(GraphRole.LOG_JOINT, logJointInputs(4, 0)));
      Future<?> second = pool.submit(() -> runner.run(GraphRole.LOG_JOINT, logJointInputs(4, 1)));
      assertThat(gated.awaitEntered(2)).isTrue(); // both run alone, on their callers' threads

      assertThatThrownBy(() -> runner.run(GraphRole.LOG_JOINT, logJointInputs(4, 2)))
          .isInstanceOf(QueueFullException.class)
          .hasMessageContaining("holds 0 requests and 2 run alone")
          .hasMessageContaining("the limit is 2");
      assertThatThrownBy(() -> runner.run(GraphRole.LOG_JOINT, logJointInputs(1, 3)))
          .isInstanceOf(QueueFullException.class);
      assertThat(rejected).hasValue(2);
      gated.open();
      first.get(30, TimeUnit.SECONDS);
      second.get(30, TimeUnit.SECONDS);
      // Both finished: the slots are free again.
      assertThat(runner.run(GraphRole.LOG_JOINT, logJointInputs(4, 4))).isNotEmpty();
    } finally {
      gated.open();
      runner.close();
    }
  }

  @Test
  void close_withQueuedWork_drainsItThenRefusesNewWork() throws Exception {
    GatedGraphRunner gated = new GatedGraphRunner(new GraphRunnerWithoutClose(onnx));
    BatchingGraphRunner runner =
        batching(new BatchingConfig(8, Duration.ofSeconds(30), 16), shared(gated));
    List<Map<String, FloatTensor>> requests = new ArrayList<>();
    List<Future<Map<String, FloatTensor>>> futures = new ArrayList<>();
    requests.add(logJointInputs(2, 0));
    futures.add(pool.submit(() -> runner.run(GraphRole.LOG_JOINT, requests.get(0))));
    // With a 30 s delay and 8-row batches, the first run starts only once 8 rows are queued.
    for (int i = 1; i < 4; i++) {
      requests.add(logJointInputs(2, i));
      Map<String, FloatTensor> r = requests.get(i);
      futures.add(pool.submit(() -> runner.run(GraphRole.LOG_JOINT, r)));
    }
    assertThat(gated.awaitEntered(1)).isTrue();
    for (int i = 4; i < 7; i++) {
      requests.add(logJointInputs(2, i));
      Map<String, FloatTensor> r = requests.get(i);
      futures.add(pool.submit(() -> runner.run(GraphRole.LOG_JOINT, r)));
    }
    awaitQueued(runner, 3);
    Future<?> closing = pool.submit(runner::close);
    gated.open();
    closing.get(30, TimeUnit.SECONDS);
    for (int i = 0; i < 7; i++) {
      assertThat(futures.get(i).get(30, TimeUnit.SECONDS))
          .isEqualTo(onnx.run(GraphRole.LOG_JOINT, requests.get(i)));
    }
    assertThatThrownBy(() -> runner.run(GraphRole.LOG_JOINT, requests.get(0)))
        .isInstanceOf(ModelUnavailableException.class);
  }

  @Test
  void run_delegateFails_everyMergedCallerSeesTheError() throws Exception {
    GraphRunnerWithoutClose closedLater = new GraphRunnerWithoutClose(onnx);
    GatedGraphRunner gated = new GatedGraphRunner(closedLater);
    try (BatchingGraphRunner runner =
        batching(new BatchingConfig(64, Duration.ofMillis(50), 64), shared(gated))) {
      List<Future<Map<String, FloatTensor>>> futures = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Map<String, FloatTensor> r = logJointInputs(1, i);
        futures.add(pool.submit(() -> runner.run(GraphRole.LOG_JOINT, r)));
      }
      assertThat(gated.awaitEntered(1)).isTrue();
      closedLater.fail();
      gated.open();
      for (Future<Map<String, FloatTensor>> f : futures) {
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ModelUnavailableException.class);
      }
    }
  }

  /** The gated runner as a view whose close leaves the shared ONNX runner open. */
  private static GraphRunnerWithoutClose shared(GatedGraphRunner gated) {
    return new GraphRunnerWithoutClose(gated);
  }

  private static void awaitQueued(BatchingGraphRunner runner, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (runner.queuedRequests() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("queue never reached " + count);
      }
      Thread.onSpinWait();
    }
  }

  private interface Work<T, R> {
    R apply(T t) throws Exception;
  }

  /** Runs {@code work} on every item at once (released together by a barrier), in order. */
  private <T, R> List<R> concurrently(List<T> items, Work<T, R> work) throws Exception {
    CyclicBarrier start = new CyclicBarrier(items.size());
    List<Future<R>> futures = new ArrayList<>();
    for (T item : items) {
      Callable<R> task =
          () -> {
            start.await(30, TimeUnit.SECONDS);
            return work.apply(item);
          };
      futures.add(pool.submit(task));
    }
    List<R> results = new ArrayList<>();
    for (Future<R> f : futures) {
      results.add(f.get(60, TimeUnit.SECONDS));
    }
    return results;
  }

  record Call(GraphRole role, Map<String, FloatTensor> inputs) {}

  private static Map<String, FloatTensor> logJointInputs(int rows, long seed) {
    return Map.of(
        GraphNames.X,
        binary(rows, seed),
        "z1",
        normal(rows, 50, seed + 1000),
        "z2",
        normal(rows, 6, seed + 2000));
  }

  private static Map<String, FloatTensor> encoderInputs(int rows, long seed) {
    return Map.of(
        GraphNames.X,
        binary(rows, seed),
        "eps_z1",
        normal(rows, 50, seed + 1000),
        "eps_z2",
        normal(rows, 6, seed + 2000));
  }

  private static Map<String, FloatTensor> logWeightsInputs(int rows, int k, long seed) {
    FloatTensor e1 = normal(rows * k, 50, seed + 1000);
    FloatTensor e2 = normal(rows * k, 6, seed + 2000);
    return Map.of(
        GraphNames.X,
        binary(rows, seed),
        "eps_z1",
        FloatTensor.of(e1.data(), rows, k, 50),
        "eps_z2",
        FloatTensor.of(e2.data(), rows, k, 6));
  }

  private static FloatTensor binary(int rows, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] data = new float[rows * 784];
    for (int i = 0; i < data.length; i++) {
      data[i] = random.nextDouble() < 0.3 ? 1f : 0f;
    }
    return FloatTensor.of(data, rows, 784);
  }

  private static FloatTensor normal(int rows, int width, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] data = new float[rows * width];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (random.nextDouble() * 4 - 2);
    }
    return FloatTensor.of(data, rows, width);
  }
}
