package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LagVAE's KDE mutual information and consistency against the closed forms of the linear-Gaussian
 * VAE ({@link LinearGaussianVae}).
 */
class KdeMutualInformationTest {
  private static final ModelKey PPCA = new ModelKey("ppca", 0);
  private final LinearGaussianVae vae = new LinearGaussianVae(0.8, 1.5);
  private ReferenceInferenceClient client;
  private ExecutorService pool;

  @BeforeEach
  void setUp() {
    client = ReferenceInferenceClient.of("ppca", 1, vae.weights());
    pool = Executors.newFixedThreadPool(3);
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    client.close();
  }

  private EvaluationReport run(FloatTensor x, Set<Metric> metrics, InformationRequest info) {
    EvaluationRequest request =
        new EvaluationRequest(PPCA, x, null, "inline", 20, metrics, 7, 0, "kde", null, info);
    return new Evaluator(client, EvaluatorOptions.defaults())
        .evaluate("eval-kde", request, pool, ProgressListener.none(), () -> false)
        .report();
  }

  @Test
  void evaluate_linearGaussian_kdeMutualInformationNearTheExactValue() {
    int n = 4000;
    FloatTensor x = LinearGaussianVae.data(n, 3);

    EvaluationReport report =
        run(x, EnumSet.of(Metric.KDE_MUTUAL_INFORMATION), InformationRequest.none());

    // q(z) is Gaussian here; the KDE of 4000 draws with Scott's factor f = 4000^(-1/6) = 0.25 is
    // close to N(0, (1 + f^2) Cov), whose KL from q(z) is 0.5 d (1/(1 + f^2) - 1 + log(1 + f^2)) =
    // 0.002 nats: the bias is far below the sampling error. Tolerance: 4 standard errors + 0.01.
    double exact = vae.mutualInformation();
    InformationReport info = report.information();
    Estimate kde = info.kdeMutualInformation();
    assertThat(kde.standardError()).isBetween(0.005, 0.05);
    assertThat(kde.value()).isCloseTo(exact, within(4 * kde.standardError() + 0.01));
    assertThat(info.kdeFitExamples()).isEqualTo(n);
    assertThat(info.kdeFitData()).isEqualTo("independent draws of the evaluated examples");
    assertThat(info.kdeBandwidthFactor()).isCloseTo(Math.pow(n, -1.0 / 6), within(1e-12));
    assertThat(report.mutualInformation()).isNull();
    assertThat(info.consistency()).isNull();
  }

  @Test
  void evaluate_kdeFitSplitOfADataset_fitsToThatSplitAndMatchesTheExactValue() {
    // Two catalogued splits of the oracle's data: the KDE is fitted to "train", MI taken on "test".
    DatasetSource splits =
        (ref, binarize) ->
            LinearGaussianVae.data(
                ref.limit() > 0 ? ref.limit() : 3000, ref.split().equals("train") ? 31 : 32);
    EvaluationRequest request =
        new EvaluationRequest(
            PPCA,
            null,
            new DatasetRef("ppca-data", "test", 3000, 0),
            null,
            1,
            EnumSet.of(Metric.KDE_MUTUAL_INFORMATION),
            7,
            0,
            "kde",
            null,
            new InformationRequest("train", 2500, null));

    EvaluationReport report =
        new Evaluator(client, splits, EvaluatorOptions.defaults(), java.time.Clock.systemUTC())
            .evaluate("eval-kde", request, pool, ProgressListener.none(), () -> false)
            .report();

    InformationReport info = report.information();
    assertThat(info.kdeFitData()).isEqualTo("ppca-data/train[:2500]");
    assertThat(info.kdeFitExamples()).isEqualTo(2500);
    assertThat(info.kdeMutualInformation().value())
        .isCloseTo(
            vae.mutualInformation(),
            within(4 * info.kdeMutualInformation().standardError() + 0.01));
  }

  @Test
  void evaluate_consistency_isMinusTheElboWithItsStandardError() {
    FloatTensor x = LinearGaussianVae.data(1000, 4);

    EvaluationReport report =
        run(x, EnumSet.of(Metric.CONSISTENCY, Metric.ELBO), InformationRequest.none());

    Estimate consistency = report.information().consistency();
    assertThat(consistency.value()).isEqualTo(-report.elbo().value());
    assertThat(consistency.standardError()).isEqualTo(report.elbo().standardError());
    assertThat(consistency.value())
        .isCloseTo(report.distortion().value() + report.totalRate().value(), within(1e-6));
    double exact = -Estimate.ofSamples(vae.elbo(x)).value();
    assertThat(consistency.value()).isCloseTo(exact, within(4 * consistency.standardError()));
  }

  @Test
  void evaluate_kdeOnABernoulliLayer_throwsNamingTheLayerAndItsFamily() {
    io.latentserve.model.VaeWeights sbn =
        io.latentserve.model.VaeWeights.random(
            io.latentserve.model.VaeArchitecture.sigmoidBeliefNet(4, 3), 1);
    float[] x = new float[20 * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i * 7) % 3 == 0 ? 1 : 0;
    }
    EvaluationRequest request =
        new EvaluationRequest(
            new ModelKey("sbn", 0),
            FloatTensor.of(x, 20, 4),
            null,
            "inline",
            1,
            EnumSet.of(Metric.KDE_MUTUAL_INFORMATION),
            7,
            0,
            "kde",
            null,
            InformationRequest.none());

    try (ReferenceInferenceClient sbnClient = ReferenceInferenceClient.of("sbn", 1, sbn)) {
      assertThatThrownBy(
              () ->
                  new Evaluator(sbnClient, EvaluatorOptions.defaults())
                      .evaluate("eval-kde", request, pool, ProgressListener.none(), () -> false))
          .isInstanceOf(InvalidEvaluationException.class)
          .hasMessageContaining("is bernoulli: the KDE estimator needs a Gaussian layer 1");
    }
  }

  @Test
  void evaluate_kdeFitSplitWithInlineData_throwsNamingTheField() {
    FloatTensor x = LinearGaussianVae.data(20, 4);

    assertThatThrownBy(
            () ->
                run(
                    x,
                    EnumSet.of(Metric.KDE_MUTUAL_INFORMATION),
                    new InformationRequest("train", 0, null)))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("kde_fit_split is \"train\"");
  }
}
