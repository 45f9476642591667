package io.latentserve.evaluator.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.InferenceClientContract;
import io.latentserve.evaluator.core.Metric;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.Progress;
import io.latentserve.evaluator.core.ProgressListener;
import io.latentserve.inference.app.InferenceServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real inference replicas behind one round-robin client: the evaluation's numbers do not
 * depend on how many replicas serve it, on how rows are split into calls, or on a replica dying in
 * the middle (its calls are retried on the others).
 */
class ReplicatedEvaluationTest {
  private static final String MODEL = InferenceClientContract.MODEL;
  private static final EvaluationRequest REQUEST =
      new EvaluationRequest(
          new ModelKey(MODEL, 0),
          InferenceClientContract.data(240, 3),
          "test",
          300,
          EnumSet.of(Metric.IWLL, Metric.ELBO, Metric.RATES),
          11,
          0,
          "");

  @TempDir Path repository;
  private InferenceReplicas replicas;
  private ExecutorService pool;

  @BeforeEach
  void setUp() {
    replicas = InferenceReplicas.start(repository, MODEL, InferenceClientContract.WEIGHTS, 3);
    pool = Executors.newFixedThreadPool(3);
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    replicas.close();
  }

  private EvaluationReport evaluate(
      String target, EvaluatorOptions options, ProgressListener listener, CountingListener calls) {
    try (GrpcInferenceClient client =
        GrpcInferenceClient.connect(
            new InferenceClientConfig(
                target, Duration.ofSeconds(30), 4, Duration.ofMillis(20), 64 << 20),
            calls)) {
      return new Evaluator(client, options)
          .evaluate("eval-replicas", REQUEST, pool, listener, () -> false)
          .report();
    }
  }

  private static void assertSameNumbers(EvaluationReport actual, EvaluationReport expected) {
    assertThat(actual.iwll()).isEqualTo(expected.iwll());
    assertThat(actual.iwllCurve()).isEqualTo(expected.iwllCurve());
    assertThat(actual.effectiveSampleSizes()).isEqualTo(expected.effectiveSampleSizes());
    assertThat(actual.elbo()).isEqualTo(expected.elbo());
    assertThat(actual.distortion()).isEqualTo(expected.distortion());
    assertThat(actual.layers().get(0).rate()).isEqualTo(expected.layers().get(0).rate());
    assertThat(actual.layers().get(1).rate()).isEqualTo(expected.layers().get(1).rate());
  }

  @Test
  void evaluate_threeReplicasOtherChunking_sameNumbersAsOneReplica() {
    String one = "127.0.0.1:" + replicas.servers.get(0).port();
    EvaluationReport single =
        evaluate(
            one,
            new EvaluatorOptions(5000, 48, 1 << 14, 1, 2, 100, 0, 0),
            ProgressListener.none(),
            new CountingListener());

    EvaluationReport spread =
        evaluate(
            replicas.target(),
            new EvaluatorOptions(5000, 16, 1 << 12, 3, 2, 100, 0, 0),
            ProgressListener.none(),
            new CountingListener());

    assertSameNumbers(spread, single);
    for (InferenceServer server : replicas.servers) {
      assertThat(servedRequests(server)).as("replica on port %d", server.port()).isPositive();
    }
  }

  @Test
  void evaluate_replicaKilledMidEvaluation_sameNumbersAfterRetries() throws Exception {
    EvaluatorOptions options = new EvaluatorOptions(5000, 8, 1 << 11, 3, 2, 100, 0, 0);
    EvaluationReport healthy =
        evaluate(replicas.target(), options, ProgressListener.none(), new CountingListener());
    InferenceServer victim = replicas.servers.get(1);
    CompletableFuture<Void> killed = new CompletableFuture<>();
    AtomicInteger chunks = new AtomicInteger();
    ProgressListener killAfterThreeChunks =
        (Progress p) -> {
          if (p.phase().equals("importance-weights")
              && p.examplesDone() > 0
              && chunks.incrementAndGet() == 3) {
            Thread t =
                new Thread(
                    () -> {
                      victim.shutdown();
                      killed.complete(null);
                    });
            t.start();
          }
        };

    CountingListener calls = new CountingListener();
    EvaluationReport survived = evaluate(replicas.target(), options, killAfterThreeChunks, calls);

    killed.get(30, TimeUnit.SECONDS);
    assertSameNumbers(survived, healthy);
    assertThat(calls.ok.get()).isPositive();
  }

  private static double servedRequests(InferenceServer server) {
    return server.metrics().registry().find("latentserve.requests").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  /** Counts attempts and retries. */
  static final class CountingListener implements InferenceCallListener {
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger retries = new AtomicInteger();

    @Override
    public void onAttempt(String method, String status, Duration latency) {
      if (status.equals("OK")) {
        ok.incrementAndGet();
      }
    }

    @Override
    public void onRetry(String method, String status) {
      retries.incrementAndGet();
    }
  }
}
