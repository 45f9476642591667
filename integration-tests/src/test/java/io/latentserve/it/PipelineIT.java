package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.datasets.Binarizer;
import io.latentserve.datasets.Dataset;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.Split;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.trainer.core.ValidationSplit;
import io.latentserve.wire.TensorCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline as separate processes on real ports and real data: trainer-service trains a
 * small VAE on mnist-10k and publishes it into the model repository of an inference-service that is
 * already running, which loads it without a restart; evaluator-service measures it by calling
 * inference-service over gRPC, and its numbers agree with the bounds the trainer recorded in the
 * bundle.
 *
 * <p>The trainer's recorded validation bound (see trainer-service {@code TrainingLoop}) is a Monte
 * Carlo estimate over its validation split: the 800 digits of the train split that {@code
 * ValidationSplit} holds out of training (never the test split), each binarized once (Binarizer
 * seeded by the job seed's VALIDATION_BINARIZATION derivation, pixel draws keyed by the image's
 * index in the validation split), of log (1/K) sum w_j. This test carves the same split, binarizes
 * it the same way and sends it to the evaluator inline, so both compute the same estimator over the
 * same images and differ only by the latent noise. With an independent noise seed, each is a mean
 * of n independent per-image terms with the same distribution, and the variance of their difference
 * is 2 sigma_w^2 / n, where sigma_w^2 is the mean within-image variance; the evaluator's standard
 * error SE (over images, between-image spread included) satisfies SE^2 >= sigma_w^2 / n, so the
 * tolerance 4 sqrt(2) SE is at least four standard deviations of the difference. Given the
 * trainer's noise seed as well, the evaluator draws the very same noise (trainer-service {@code
 * LatentNoise} lays it out as inference-service does), and the numbers agree to float32 rounding.
 */
class PipelineIT {
  private static final String MODEL = "pipeline-vae";
  private static final String CONDITIONAL_MODEL = "pipeline-cvae";
  private static final long SEED = 7;
  private static final int VALIDATION_K = 50;
  private static final int CONDITIONAL_VALIDATION_K = 5;
  private static final int EPOCHS = 2;

  /** The validation split: 10% of mnist-10k's 8,000 training digits. */
  private static final int VALIDATION_IMAGES = 800;

  /** log 2 per pixel: a model that beats coin flips must be above this, nats per image. */
  private static final double COIN_FLIPS = -784 * Math.log(2);

  @TempDir static Path work;

  @RegisterExtension
  static final ServiceProcesses services = ServiceProcesses.stoppedAfterAll(PipelineIT.class);

  private static ServiceProcess inference;
  private static ManagedChannel inferenceChannel;
  private static ManagedChannel evaluatorChannel;
  private static ManagedChannel trainerChannel;
  private static long inferencePid;
  private static Status.Code beforeTraining;
  private static JobEvent finished;
  private static JobEvent finishedConditional;

  @BeforeAll
  static void trainWhileInferenceRuns() throws Exception {
    Path data = RealData.dataDir(RealData.MNIST);
    Path repository = Files.createDirectories(work.resolve("models"));
    ServiceProcesses.Pipeline pipeline =
        services.startPipeline(repository, data, work, Duration.ofSeconds(60));
    inference = pipeline.inference();
    ServiceProcess trainer = pipeline.trainer();
    ServiceProcess evaluator = pipeline.evaluator();
    inferencePid = inference.pid();
    inferenceChannel = Calls.channel(inference);
    trainerChannel = Calls.channel(trainer);
    evaluatorChannel = Calls.channel(evaluator);

    beforeTraining = getModelStatus(0);

    JobSpec spec = Calls.smallElboJob(MODEL, 16, 128, EPOCHS, 100, SEED, VALIDATION_K);
    TrainerGrpc.TrainerBlockingStub trainerStub = TrainerGrpc.newBlockingStub(trainerChannel);
    Job job = Calls.submit(trainerStub, spec);
    finished = Calls.watch(trainerStub, job.getJobId(), Duration.ofSeconds(60), event -> false);

    JobSpec conditional =
        Calls.smallElboJob(CONDITIONAL_MODEL, 16, 128, 1, 100, SEED, CONDITIONAL_VALIDATION_K);
    conditional =
        conditional.toBuilder()
            .setArchitecture(conditional.getArchitecture().toBuilder().setConditional(true))
            .build();
    Job conditionalJob = Calls.submit(trainerStub, conditional);
    finishedConditional =
        Calls.watch(trainerStub, conditionalJob.getJobId(), Duration.ofSeconds(60), event -> false);
  }

  @AfterAll
  static void closeChannels() {
    for (ManagedChannel channel :
        new ManagedChannel[] {inferenceChannel, trainerChannel, evaluatorChannel}) {
      if (channel != null) {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void train_smallVae_succeedsAndPublishesVersion1WithItsBounds() {
    assertThat(finished.getJob().getState())
        .as("job ended %s: %s", finished.getJob().getState(), finished.getJob().getReason())
        .isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    ModelInfo published = finished.getJob().getPublished();
    assertThat(published.getName()).isEqualTo(MODEL);
    assertThat(published.getVersion()).isEqualTo(1);
    assertThat(published.getProvenance().getFinalMetricsMap())
        .containsKeys("train_loss", "train_elbo", "validation_iwae_k" + VALIDATION_K);
    assertThat(published.getProvenance().getFinalMetricsMap().get("train_elbo"))
        .isBetween(COIN_FLIPS, 0.0);
  }

  @Test
  void publish_whileInferenceServes_isLoadedWithoutRestart() {
    assertThat(beforeTraining)
        .as("GetModel before the trainer published anything")
        .isEqualTo(Status.Code.NOT_FOUND);

    ModelInfo served = awaitServed();

    ModelInfo published = finished.getJob().getPublished();
    assertThat(served.getVersion()).isEqualTo(published.getVersion());
    assertThat(served.getManifestSha256()).isNotEmpty().isEqualTo(published.getManifestSha256());
    assertThat(served.getProvenance().getFinalMetricsMap())
        .isEqualTo(published.getProvenance().getFinalMetricsMap());
    assertThat(served.getProvenance().getSeed()).isEqualTo(SEED);
    assertThat(inference.isAlive()).isTrue();
    assertThat(inference.pid()).isEqualTo(inferencePid);
  }

  @Test
  void evaluate_validationSplit_iwllOverGrpcAgreesWithTrainerValidationBound() {
    awaitServed();
    double recorded = trainerMetrics().get("validation_iwae_k" + VALIDATION_K).doubleValue();

    EvaluationReport report =
        evaluateValidation(
            MODEL, VALIDATION_K, List.of(Metric.METRIC_IWLL, Metric.METRIC_ELBO), 11, false);

    assertThat(report.getModel().getVersion()).isEqualTo(1);
    assertThat(report.getExamples()).isEqualTo(VALIDATION_IMAGES);
    assertThat(report.getK()).isEqualTo(VALIDATION_K);
    double iwll = report.getIwll().getValue();
    double se = report.getIwll().getStandardError();
    assertThat(se).isPositive();
    // log-mean-exp of each image's weights is at least their mean (Jensen), sample by sample
    assertThat(iwll).isGreaterThanOrEqualTo(report.getElbo().getValue()).isBetween(COIN_FLIPS, 0.0);
    assertThat(iwll)
        .as(
            "evaluator IW-LL (k=%d, %d validation images, SE %.4f) vs the trainer's validation"
                + " bound",
            VALIDATION_K, VALIDATION_IMAGES, se)
        .isCloseTo(recorded, within(4 * Math.sqrt(2) * se));
  }

  @Test
  void evaluate_validationSplitWithTrainerNoise_reproducesTrainerValidationBound() {
    awaitServed();
    double recorded = trainerMetrics().get("validation_iwae_k" + VALIDATION_K).doubleValue();

    EvaluationReport report =
        evaluateValidation(
            MODEL,
            VALIDATION_K,
            List.of(Metric.METRIC_IWLL),
            TrainerSeeds.derive(SEED, TrainerSeeds.VALIDATION_NOISE),
            false);

    // the same images, pixels and noise: SameDiff and ONNX Runtime differ in float32 rounding only
    // (about 1e-7 nats apart on the CPU; 1e-3 leaves room for other kernels)
    assertThat(report.getIwll().getValue()).isCloseTo(recorded, within(1e-3));
  }

  @Test
  void evaluate_conditionalModelWithTrainerNoise_reproducesTrainerValidationBoundGivenTheLabels() {
    assertThat(finishedConditional.getJob().getState())
        .as(
            "job ended %s: %s",
            finishedConditional.getJob().getState(), finishedConditional.getJob().getReason())
        .isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    ModelInfo published = finishedConditional.getJob().getPublished();
    assertThat(published.getConditionDim()).isEqualTo(10);
    Poll.until(
        Duration.ofSeconds(30),
        "inference-service to serve " + CONDITIONAL_MODEL,
        () -> {
          try {
            return Optional.of(getModel(CONDITIONAL_MODEL, published.getVersion()));
          } catch (StatusRuntimeException e) {
            return Optional.empty();
          }
        });
    double recorded =
        published
            .getProvenance()
            .getFinalMetricsMap()
            .get("validation_iwae_k" + CONDITIONAL_VALIDATION_K);

    EvaluationReport report =
        evaluateValidation(
            CONDITIONAL_MODEL,
            CONDITIONAL_VALIDATION_K,
            List.of(Metric.METRIC_IWLL),
            TrainerSeeds.derive(SEED, TrainerSeeds.VALIDATION_NOISE),
            true);

    // trainer and evaluator condition every image on its own one-hot label: with the same pixels
    // and noise, SameDiff's and ONNX Runtime's conditional networks agree to float32 rounding
    assertThat(report.getCondition()).contains("inline condition");
    assertThat(report.getIwll().getValue()).isCloseTo(recorded, within(1e-3));
  }

  private static Map<String, Double> trainerMetrics() {
    assertThat(finished.getJob().getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    return finished.getJob().getPublished().getProvenance().getFinalMetricsMap();
  }

  /**
   * Evaluates {@code model} on the trainer's validation split, binarized as the trainer binarizes
   * it, sent inline (with the one-hot labels as the condition of a conditional model).
   */
  private static EvaluationReport evaluateValidation(
      String model, int k, List<Metric> metrics, long seed, boolean conditional) {
    Dataset validation;
    try {
      Dataset train =
          new DatasetCatalog(RealData.dataDir(RealData.MNIST)).load(RealData.MNIST, Split.TRAIN, 0);
      validation = ValidationSplit.carve(train).validation();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    int n = validation.size();
    int d = validation.dimension();
    float[] x = new float[n * d];
    validation.copyRows(0, n, x, 0);
    Binarizer binarizer =
        new Binarizer(TrainerSeeds.derive(SEED, TrainerSeeds.VALIDATION_BINARIZATION));
    for (int r = 0; r < n; r++) {
      binarizer.binarize(r, x, r * d, x, r * d, d);
    }
    EvaluateRequest.Builder request =
        EvaluateRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName(model).setVersion(1))
            .setInlineData(TensorCodec.encode(x, n, d))
            .setK(k)
            .addAllMetrics(metrics)
            .setSeed(seed)
            .setLabel("PipelineIT validation");
    if (conditional) {
      float[] y = new float[n * 10];
      for (int r = 0; r < n; r++) {
        y[r * 10 + validation.label(r)] = 1f;
      }
      request.setInlineCondition(TensorCodec.encode(y, n, 10));
    }
    return Calls.evaluate(
        EvaluatorGrpc.newBlockingStub(evaluatorChannel),
        request.build(),
        Duration.ofSeconds(60),
        progress -> {});
  }

  /** Polls GetModel (latest) until inference-service serves the trained version. */
  private static ModelInfo awaitServed() {
    assertThat(finished.getJob().getState())
        .as("job ended %s: %s", finished.getJob().getState(), finished.getJob().getReason())
        .isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    long version = finished.getJob().getPublished().getVersion();
    return Poll.until(
        Duration.ofSeconds(30),
        "inference-service to serve " + MODEL + "/" + version + " as latest",
        () -> {
          try {
            ModelInfo latest = getModel(0);
            return latest.getVersion() == version ? Optional.of(latest) : Optional.empty();
          } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
              throw e;
            }
            return Optional.empty();
          }
        });
  }

  private static ModelInfo getModel(long version) {
    return getModel(MODEL, version);
  }

  private static ModelInfo getModel(String model, long version) {
    return InferenceGrpc.newBlockingStub(inferenceChannel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getModel(
            GetModelRequest.newBuilder()
                .setModel(ModelRef.newBuilder().setName(model).setVersion(version))
                .build())
        .getModel();
  }

  private static Status.Code getModelStatus(long version) {
    try {
      getModel(version);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /**
   * The trainer's seed derivation (trainer-service {@code Seeds}: SplitMix64 of the job seed, the
   * purpose and the index), for the binarization and noise of the bounds it records at the end of a
   * job.
   */
  private static final class TrainerSeeds {
    static final long VALIDATION_BINARIZATION = 5;
    static final long VALIDATION_NOISE = 6;

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private TrainerSeeds() {}

    /** The seed of {@code purpose}, index 0. */
    static long derive(long seed, long purpose) {
      return mix(mix(seed + GOLDEN * purpose) + GOLDEN);
    }

    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }
}
