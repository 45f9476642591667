package io.latentserve.evaluator.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.evaluator.core.ActiveUnits;
import io.latentserve.evaluator.core.Estimate;
import io.latentserve.evaluator.core.EvaluationOutcome;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.ImportanceWeightedEstimator;
import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.core.IwllPoint;
import io.latentserve.evaluator.core.LayerReport;
import io.latentserve.evaluator.core.Metric;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.MutualInformationReport;
import io.latentserve.evaluator.core.ProgressListener;
import io.latentserve.evaluator.report.ReportJson;
import io.latentserve.evaluator.report.ReportWriter;
import io.latentserve.model.Dense;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.Prior;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exact-enumeration oracle end to end: a tiny sigmoid belief net (12 binary pixels, 6 Bernoulli
 * latents = 64 states, linear networks, a learned factorial Bernoulli prior, seeded random weights)
 * has an exact log p(x) = log sum_z p(z) p(x|z), an exact ELBO, an exact KL(q(z|x) || p(z)) and an
 * exact I(x;z) under the evaluation set. It is written by the project's ONNX exporter as a real
 * bundle, served by a real inference server on a loopback port, and evaluated by the real {@link
 * Evaluator} through {@link GrpcInferenceClient} with k = 5000: the IW-LL must converge to the
 * enumerated value, and every other metric must land on its enumerated value within its error.
 */
class DiscreteOracleEvaluationTest {
  private static final Logger LOG = LoggerFactory.getLogger(DiscreteOracleEvaluationTest.class);
  private static final String MODEL = "sbn";
  private static final int D = 12;
  private static final int L = 6;
  private static final int STATES = 1 << L;
  private static final int N = 256;
  private static final int K = 5000;
  private static final long SEED = 29;

  /**
   * What float32 graphs may add to a mean over examples, nats: each log weight is a sum of ~20
   * float32 terms of magnitude below 10, off by at most ~1e-5 nats; the log-mean-exp and every mean
   * are taken in double.
   */
  private static final double FLOAT32_SLACK = 1e-4;

  private static final VaeArchitecture ARCHITECTURE = VaeArchitecture.sigmoidBeliefNet(D, L);
  private static final VaeWeights WEIGHTS = weights(ARCHITECTURE, 5);
  private static final ReferenceVae VAE = new ReferenceVae(WEIGHTS);
  private static final FloatTensor X = ancestralSamples(N, 41);

  @TempDir static Path repository;
  @TempDir static Path reports;
  private static InferenceReplicas replica;
  private static InferenceClient client;
  private static ExecutorService pool;
  private static EvaluationOutcome outcome;
  private static EvaluationReport report;
  private static Exact exact;

  @BeforeAll
  static void evaluateOnce() {
    exact = Exact.enumerate(X);
    replica = InferenceReplicas.start(repository, MODEL, WEIGHTS, 1);
    client =
        GrpcInferenceClient.connect(
            InferenceClientConfig.of(replica.target()), InferenceCallListener.none());
    pool = Executors.newFixedThreadPool(4);
    outcome =
        new Evaluator(client, EvaluatorOptions.defaults())
            .evaluate(
                "discrete-oracle",
                new EvaluationRequest(
                    new ModelKey(MODEL, 0),
                    X,
                    "inline",
                    K,
                    EnumSet.of(
                        Metric.IWLL,
                        Metric.ELBO,
                        Metric.RATES,
                        Metric.ACTIVE_UNITS,
                        Metric.MUTUAL_INFORMATION,
                        Metric.MMD),
                    SEED,
                    0,
                    "oracle"),
                pool,
                ProgressListener.none(),
                () -> false);
    report = outcome.report();
  }

  @AfterAll
  static void stop() {
    if (pool != null) {
      pool.shutdownNow();
    }
    if (client != null) {
      client.close();
    }
    if (replica != null) {
      replica.close();
    }
  }

  @Test
  void describe_servedBundleIsTheBernoulliModelWithALearnedPrior() {
    assertThat(report.model().layers()).hasSize(1);
    assertThat(report.model().layers().get(0).family()).isSameAs(LatentFamily.BERNOULLI);
    assertThat(report.model().prior()).isSameAs(Prior.LEARNED);
    assertThat(report.model().inputDim()).isEqualTo(D);
  }

  @Test
  void evaluate_k5000_iwllConvergesToTheEnumeratedLogLikelihood() {
    double logPx = mean(exact.logPx);
    List<IwllPoint> curve = report.iwllCurve();
    assertThat(curve).extracting(IwllPoint::k).containsExactly(1, 5, 50, 500, 5000);
    double[] gaps = curve.stream().mapToDouble(p -> logPx - p.logLikelihood().value()).toArray();
    LOG.info(
        "exact log p(x) {} nats; IW-LL gap at k = 1, 5, 50, 500, 5000: {}, {}, {}, {}, {}",
        logPx,
        gaps[0],
        gaps[1],
        gaps[2],
        gaps[3],
        gaps[4]);

    // Against the report's own standard error over examples.
    Estimate iwll = report.iwll();
    assertThat(iwll.value()).isCloseTo(logPx, within(3 * iwll.standardError() + FLOAT32_SLACK));
    // The estimator's own error: the paired differences IW-LL(x_i) - log p(x_i) of the same
    // weights, straight from the replica.
    ImportanceWeightedEstimator direct = new ImportanceWeightedEstimator(N, K);
    for (int from = 0; from < N; from += 64) {
      direct.add(
          from,
          client.importanceWeights(
              new ModelKey(MODEL, 1), X.rows(from, from + 64), from, K, SEED, false));
    }
    assertThat(direct.logLikelihood().value()).isCloseTo(iwll.value(), within(1e-9));
    double[] perExample = direct.perExampleLogLikelihood();
    double[] differences = new double[N];
    for (int i = 0; i < N; i++) {
      differences[i] = perExample[i] - exact.logPx[i];
    }
    Estimate gap = Estimate.ofSamples(differences);
    LOG.info("paired gap at k = 5000: {} +- {} (SE)", gap.value(), gap.standardError());
    assertThat(Math.abs(gap.value())).isLessThan(3 * gap.standardError() + FLOAT32_SLACK);
    assertThat(gap.standardError()).isLessThan(0.01);

    // The bound's gap falls with k (Burda et al. 2015): k = 1 is the ELBO's, KL(q(z|x) || p(z|x)).
    assertThat(gaps[0]).isGreaterThan(0.2);
    assertThat(gaps[1]).isBetween(0.0, gaps[0] / 2);
    assertThat(gaps[2]).isBetween(0.0, gaps[1] / 2);
    assertThat(Math.abs(gaps[3])).isLessThan(gaps[2]);
    assertThat(Math.abs(gaps[4])).isLessThan(gaps[2]);
    assertThat(Math.abs(gaps[4]))
        .isLessThan(3 * curve.get(4).logLikelihood().standardError() + FLOAT32_SLACK);
  }

  @Test
  void evaluate_elboAndRateOnTheirEnumeratedValues() {
    double elbo = mean(exact.elbo);
    double rate = mean(exact.kl);
    LOG.info(
        "ELBO {} (exact {}), rate {} (exact KL {}), total rate {}",
        report.elbo().value(),
        elbo,
        report.layers().get(0).rate().value(),
        rate,
        report.totalRate().value());

    // The ELBO and the total rate are Monte Carlo means of N K draws: within 4 standard errors.
    assertThat(report.elbo().value())
        .isCloseTo(elbo, within(4 * report.elbo().standardError() + FLOAT32_SLACK));
    assertThat(report.totalRate().value())
        .isCloseTo(rate, within(4 * report.totalRate().standardError() + FLOAT32_SLACK));
    assertThat(report.elbo().value()).isCloseTo(elbo, within(0.01));
    assertThat(report.elbo().value())
        .isCloseTo(
            -report.distortion().value() - report.totalRate().value(), within(FLOAT32_SLACK));
    // The layer's rate is the analytic KL against the served prior's logits: exact up to float32.
    LayerReport layer = report.layers().get(0);
    assertThat(layer.rate().value()).isCloseTo(rate, within(FLOAT32_SLACK));
  }

  @Test
  void evaluate_activeUnitsAreThoseOfTheEncodersProbabilities() {
    LayerReport layer = report.layers().get(0);
    double[] activity = ActiveUnits.activity(exact.probabilities);
    assertThat(layer.activity()).hasSize(L);
    for (int c = 0; c < L; c++) {
      assertThat(layer.activity()[c]).isCloseTo(activity[c], within(1e-6));
    }
    assertThat(layer.activeUnits()).isEqualTo(ActiveUnits.count(activity));
  }

  @Test
  void evaluate_mutualInformationEstimatorsNearTheEnumeratedValue() {
    double mi = exact.mutualInformation;
    MutualInformationReport r = report.mutualInformation();
    LOG.info(
        "I(x;z) exact {}; aggregate {} +- {}; minibatch {}",
        mi,
        r.aggregate().value(),
        r.aggregate().standardError(),
        r.minibatch());

    // Far below its ceiling log N = 5.5, the aggregate estimator's bias is O(1/N): 4 SE.
    assertThat(r.aggregate().value()).isCloseTo(mi, within(4 * r.aggregate().standardError()));
    // The minibatch estimator is biased low by its batch's ceiling; its entropy term is the
    // one-sample estimate for Bernoulli layers.
    double se = r.aggregate().standardError();
    assertThat(r.minibatch()).isBetween(mi - 0.3 - 4 * se, mi + 4 * se);
  }

  @Test
  void report_jsonHtmlAndPlotsAreWrittenAndReadBack() throws IOException {
    assertThat(report.mmd()).isFinite();
    Path dir = reports.resolve(report.evaluationId());
    ReportWriter.write(dir, outcome);
    for (String file :
        List.of(
            ReportWriter.JSON,
            ReportWriter.HTML,
            ReportWriter.IWLL_CURVE,
            ReportWriter.RATES,
            ReportWriter.ESS_HISTOGRAM)) {
      assertThat(dir.resolve(file)).isNotEmptyFile();
    }
    String json = Files.readString(dir.resolve(ReportWriter.JSON));
    assertThat(json).contains("\"family\" : \"bernoulli\"").contains("\"prior\" : \"learned\"");
    EvaluationReport back = ReportJson.fromJson(Files.readAllBytes(dir.resolve(ReportWriter.JSON)));
    assertThat(back.model().layers().get(0).family()).isSameAs(LatentFamily.BERNOULLI);
    assertThat(back.model().prior()).isSameAs(Prior.LEARNED);
    assertThat(Files.readString(dir.resolve(ReportWriter.HTML))).contains("bernoulli");
  }

  private static double mean(double[] values) {
    return Estimate.ofSamples(values).value();
  }

  /**
   * Seeded random linear networks: a decoder scaled up so that x says much about z (the posterior
   * is far from the prior: the ELBO has a gap to close), an encoder that is not trained, so q(z|x)
   * is broad and far from p(z|x) yet covers every state, and a learned prior with distinct logits.
   */
  private static VaeWeights weights(VaeArchitecture architecture, long seed) {
    VaeWeights w = VaeWeights.random(architecture, seed);
    SplittableRandom random = new SplittableRandom(seed);
    return new VaeWeights(
        architecture,
        List.of(scaled(w.encoders().get(0), 1.0, 0.5, random)),
        List.of(scaled(w.decoders().get(0), 4.0, 1.5, random)),
        scaled(w.prior(), 1.0, 1.5, random));
  }

  private static GaussianMlp scaled(
      GaussianMlp mlp, double scale, double biasRange, SplittableRandom random) {
    Dense head = mlp.mean();
    float[] weight = head.weight();
    for (int i = 0; i < weight.length; i++) {
      weight[i] *= (float) scale;
    }
    float[] bias = new float[head.out()];
    for (int j = 0; j < bias.length; j++) {
      bias[j] = (float) ((random.nextDouble() * 2 - 1) * biasRange);
    }
    return new GaussianMlp(List.of(), new Dense(head.in(), head.out(), weight, bias), null);
  }

  /** x ~ p(x): z ~ p(z) from the learned logits, then x ~ Bernoulli(sigmoid(decoder(z))). */
  private static FloatTensor ancestralSamples(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] logits = VAE.topPrior(1, null).parameter("logits").data();
    float[] z = new float[n * L];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < L; c++) {
        z[i * L + c] = random.nextDouble() < 1 / (1 + Math.exp(-logits[c])) ? 1 : 0;
      }
    }
    float[] p = VAE.decode(FloatTensor.of(z, n, L), List.of()).xMean().data();
    float[] x = new float[n * D];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextDouble() < p[i] ? 1 : 0;
    }
    return FloatTensor.of(x, n, D);
  }

  /** Every metric by enumerating the 64 latent states, in double precision. */
  private record Exact(
      double[] logPx,
      double[] elbo,
      double[] kl,
      FloatTensor probabilities,
      double mutualInformation) {
    static Exact enumerate(FloatTensor x) {
      int n = (int) x.dim(0);
      float[] states = new float[STATES * L];
      for (int s = 0; s < STATES; s++) {
        for (int c = 0; c < L; c++) {
          states[s * L + c] = (s >> c) & 1;
        }
      }
      FloatTensor z = FloatTensor.of(states, STATES, L);
      double[][] priorLogits = {toDouble(VAE.topPrior(1, null).parameter("logits").data())};
      float[] qLogits =
          VAE.encode(x, List.of(FloatTensor.zeros(n, L)))
              .layers()
              .get(0)
              .parameter("logits")
              .data();
      double[] logPx = new double[n];
      double[] elbo = new double[n];
      double[] kl = new double[n];
      double[][] logQ = new double[n][STATES];
      for (int i = 0; i < n; i++) {
        float[] rows = new float[STATES * D];
        for (int s = 0; s < STATES; s++) {
          System.arraycopy(x.data(), i * D, rows, s * D, D);
        }
        ReferenceVae.LogJoint joint = VAE.logJoint(FloatTensor.of(rows, STATES, D), List.of(z));
        double[][] q = {toDouble(java.util.Arrays.copyOfRange(qLogits, i * L, (i + 1) * L))};
        double[] terms = new double[STATES];
        for (int s = 0; s < STATES; s++) {
          terms[s] = joint.logPxGivenZ()[s] + joint.logPz()[s];
          logQ[i][s] =
              LatentFamily.BERNOULLI.logDensity(
                  toDouble(java.util.Arrays.copyOfRange(states, s * L, (s + 1) * L)), q);
          elbo[i] += Math.exp(logQ[i][s]) * (terms[s] - logQ[i][s]);
        }
        logPx[i] = logSumExp(terms);
        kl[i] = LatentFamily.BERNOULLI.klDivergence(q, priorLogits);
      }
      // I(x;z) = (1/N) sum_i sum_z q(z|x_i) [log q(z|x_i) - log (1/N) sum_n q(z|x_n)]
      double mi = 0;
      for (int s = 0; s < STATES; s++) {
        double[] column = new double[n];
        for (int i = 0; i < n; i++) {
          column[i] = logQ[i][s];
        }
        double logAggregate = logSumExp(column) - Math.log(n);
        for (int i = 0; i < n; i++) {
          mi += Math.exp(logQ[i][s]) * (logQ[i][s] - logAggregate) / n;
        }
      }
      float[] probabilities = new float[n * L];
      for (int i = 0; i < probabilities.length; i++) {
        probabilities[i] = (float) (1 / (1 + Math.exp(-(double) qLogits[i])));
      }
      return new Exact(logPx, elbo, kl, FloatTensor.of(probabilities, n, L), mi);
    }

    private static double[] toDouble(float[] values) {
      double[] out = new double[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = values[i];
      }
      return out;
    }

    private static double logSumExp(double[] values) {
      double max = Double.NEGATIVE_INFINITY;
      for (double v : values) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (double v : values) {
        sum += Math.exp(v - max);
      }
      return max + Math.log(sum);
    }
  }
}
