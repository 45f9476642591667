package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.proto.v1.DatasetSplit;
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
 * <p>The trainer's recorded bounds (see trainer-service {@code TrainingLoop}) are Monte Carlo
 * estimates over one fixed binarization of a split: {@code train_elbo} is the mean over all 8,000
 * training images, each binarized once (Binarizer seeded by the job seed's FINAL_BINARIZATION
 * derivation, pixel draws keyed by the image's index in the split), of log w with one latent draw
 * per image; {@code validation_iwae_k<K>} is the mean over all 2,000 test images of log (1/K) sum
 * w_j. The evaluator computes the same estimators over the same images with the same binarization
 * (its {@code binarization_seed} keys pixel draws by index in the split the same way), so the two
 * numbers differ only by the latent noise. With an independent noise seed, each is a mean of n
 * independent per-image terms with the same distribution, and the variance of their difference is 2
 * sigma_w^2 / n, where sigma_w^2 is the mean within-image variance; the evaluator's standard error
 * SE (over images, between-image spread included) satisfies SE^2 >= sigma_w^2 / n, so the tolerance
 * 4 sqrt(2) SE is at least four standard deviations of the difference. Given the trainer's noise
 * seed as well, the evaluator draws the very same noise (trainer-service {@code LatentNoise} lays
 * it out as inference-service does), and the numbers agree to float32 rounding.
 */
class PipelineIT {
  private static final String MODEL = "pipeline-vae";
  private static final String CONDITIONAL_MODEL = "pipeline-cvae";
  private static final long SEED = 7;
  private static final int VALIDATION_K = 50;
  private static final int EPOCHS = 2;
  private static final int TRAIN_IMAGES = 8000;
  private static final int TEST_IMAGES = 2000;

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

    JobSpec conditional = Calls.smallElboJob(CONDITIONAL_MODEL, 16, 128, 1, 100, SEED, 5);
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
  void evaluate_testSplit_iwllOverGrpcAgreesWithTrainerValidationBound() {
    awaitServed();
    double recorded = trainerMetrics().get("validation_iwae_k" + VALIDATION_K).doubleValue();

    EvaluationReport report =
        evaluate(
            "test",
            TrainerSeeds.derive(SEED, TrainerSeeds.VALIDATION_BINARIZATION),
            VALIDATION_K,
            List.of(Metric.METRIC_IWLL, Metric.METRIC_ELBO),
            11);

    assertThat(report.getModel().getVersion()).isEqualTo(1);
    assertThat(report.getExamples()).isEqualTo(TEST_IMAGES);
    assertThat(report.getK()).isEqualTo(VALIDATION_K);
    double iwll = report.getIwll().getValue();
    double se = report.getIwll().getStandardError();
    assertThat(se).isPositive();
    // log-mean-exp of each image's weights is at least their mean (Jensen), sample by sample
    assertThat(iwll).isGreaterThanOrEqualTo(report.getElbo().getValue()).isBetween(COIN_FLIPS, 0.0);
    assertThat(iwll)
        .as(
            "evaluator IW-LL (k=%d, %d test images, SE %.4f) vs the trainer's validation bound",
            VALIDATION_K, TEST_IMAGES, se)
        .isCloseTo(recorded, within(4 * Math.sqrt(2) * se));
  }

  @Test
  void evaluate_trainSplit_elboAgreesWithTrainerFinalElboWithinMonteCarloError() {
    awaitServed();
    double recorded = trainerMetrics().get("train_elbo").doubleValue();

    EvaluationReport report =
        evaluate(
            "train",
            TrainerSeeds.derive(SEED, TrainerSeeds.FINAL_BINARIZATION),
            1,
            List.of(Metric.METRIC_ELBO),
            12);

    assertThat(report.getExamples()).isEqualTo(TRAIN_IMAGES);
    double elbo = report.getElbo().getValue();
    double se = report.getElbo().getStandardError();
    assertThat(se).isPositive();
    assertThat(elbo)
        .as(
            "evaluator ELBO (k=1, %d training images, SE %.4f) vs the trainer's train_elbo",
            TRAIN_IMAGES, se)
        .isCloseTo(recorded, within(4 * Math.sqrt(2) * se));
  }

  @Test
  void evaluate_trainSplitWithTrainerNoise_reproducesTrainerFinalElbo() {
    awaitServed();
    double recorded = trainerMetrics().get("train_elbo").doubleValue();

    EvaluationReport report =
        evaluate(
            "train",
            TrainerSeeds.derive(SEED, TrainerSeeds.FINAL_BINARIZATION),
            1,
            List.of(Metric.METRIC_ELBO),
            TrainerSeeds.derive(SEED, TrainerSeeds.FINAL_NOISE));

    // the same images, pixels and noise: SameDiff and ONNX Runtime differ in float32 rounding only
    // (about 1e-7 nats apart on the CPU; 1e-3 leaves room for other kernels)
    assertThat(report.getElbo().getValue()).isCloseTo(recorded, within(1e-3));
  }

  @Test
  void evaluate_conditionalModelWithTrainerNoise_reproducesTrainerFinalElboGivenTheLabels() {
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
    double recorded = published.getProvenance().getFinalMetricsMap().get("train_elbo");

    EvaluationReport report =
        evaluate(
            CONDITIONAL_MODEL,
            "train",
            TrainerSeeds.derive(SEED, TrainerSeeds.FINAL_BINARIZATION),
            1,
            List.of(Metric.METRIC_ELBO),
            TrainerSeeds.derive(SEED, TrainerSeeds.FINAL_NOISE));

    // trainer and evaluator condition every image on its own one-hot label: with the same pixels
    // and noise, SameDiff's and ONNX Runtime's conditional networks agree to float32 rounding
    assertThat(report.getCondition()).contains("10 classes");
    assertThat(report.getElbo().getValue()).isCloseTo(recorded, within(1e-3));
  }

  private static Map<String, Double> trainerMetrics() {
    assertThat(finished.getJob().getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    return finished.getJob().getPublished().getProvenance().getFinalMetricsMap();
  }

  private static EvaluationReport evaluate(
      String split, long binarizationSeed, int k, List<Metric> metrics, long seed) {
    return evaluate(MODEL, split, binarizationSeed, k, metrics, seed);
  }

  private static EvaluationReport evaluate(
      String model, String split, long binarizationSeed, int k, List<Metric> metrics, long seed) {
    EvaluateRequest request =
        EvaluateRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName(model).setVersion(1))
            .setDataset(
                DatasetSplit.newBuilder()
                    .setName(RealData.MNIST)
                    .setSplit(split)
                    .setBinarizationSeed(binarizationSeed))
            .setK(k)
            .addAllMetrics(metrics)
            .setSeed(seed)
            .setLabel("PipelineIT " + split)
            .build();
    return Calls.evaluate(
        EvaluatorGrpc.newBlockingStub(evaluatorChannel),
        request,
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
    static final long FINAL_BINARIZATION = 3;
    static final long FINAL_NOISE = 4;
    static final long VALIDATION_BINARIZATION = 5;

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
