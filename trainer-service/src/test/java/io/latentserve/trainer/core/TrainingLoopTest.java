package io.latentserve.trainer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.datasets.Dataset;
import io.latentserve.datasets.Split;
import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.samediff.SameDiffBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

public class TrainingLoopTest {
  private static final VaeArchitecture ARCHITECTURE =
      new VaeArchitecture(
          6,
          List.of(new StochasticLayer("z1", 2, List.of(8))),
          Activation.TANH,
          LikelihoodFamily.BERNOULLI,
          0);

  /** Two prototypes, pixels on with probability 0.9 or 0.1: learnable in a few epochs. */
  public static Dataset data(String name, Split split, int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] images = new float[n * 6];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextInt(2);
      for (int j = 0; j < 6; j++) {
        boolean on = (j < 3) == (labels[i] == 0);
        images[i * 6 + j] = on ? 0.9f : 0.1f;
      }
    }
    return Dataset.of(name, split, images, labels, 2, 3);
  }

  /** 50 training and 20 validation examples of 6 pixels (2x3): trains in milliseconds a step. */
  public static TrainingData tinyData() {
    return new TrainingData(data("tiny", Split.TRAIN, 50, 1), data("tiny", Split.TEST, 20, 2));
  }

  static TrainingSpec spec(Objective objective, int epochs) {
    return new TrainingSpec("tiny-model", "tiny", ARCHITECTURE, objective, 0.02, 8, epochs, 7, 20);
  }

  static TrainingLoop loop(TrainingSpec spec, TrainingData data, CheckpointStore store) {
    return new TrainingLoop(
        spec, data, new SameDiffBackend(), store, Duration.ZERO, Duration.ZERO, System::nanoTime);
  }

  /** Keeps the latest checkpoint in memory, as a file store keeps it on disk. */
  static final class MemoryStore implements CheckpointStore {
    Checkpoint latest;
    int saves;

    @Override
    public Optional<Checkpoint> load() {
      return Optional.ofNullable(latest);
    }

    @Override
    public void save(Checkpoint checkpoint) {
      latest = checkpoint;
      saves++;
    }
  }

  @Test
  void run_conditional_publishesAPriorAndLearnsToUseTheLabel() {
    // tinyData's pixels are set by the label: a conditional model that reads y explains x far
    // better with the true label than with the other one
    VaeArchitecture architecture = ARCHITECTURE.withConditionDim(2);
    TrainingSpec spec =
        new TrainingSpec(
            "tiny-cvae", "tiny", architecture, new Objective.Iwae(2), 0.02, 8, 20, 7, 20);
    TrainingResult result =
        loop(spec, tinyData(), CheckpointStore.none()).run(progress -> {}, () -> false);
    assertThat(result.weights().architecture().conditionDim()).isEqualTo(2);
    assertThat(result.weights().prior()).isNotNull();
    assertThat(result.metrics()).containsKeys("train_iwae_k2", "validation_iwae_k20");

    Dataset validation = tinyData().validation();
    int n = validation.size();
    float[] x = new float[n * validation.dimension()];
    validation.copyRows(0, n, x, 0);
    float[] trueLabels = TrainingLoop.conditions(validation, null, 0, n, 2);
    float[] otherLabels = new float[trueLabels.length];
    for (int i = 0; i < n; i++) {
      otherLabels[2 * i] = trueLabels[2 * i + 1];
      otherLabels[2 * i + 1] = trueLabels[2 * i];
    }
    float[][] eps = LatentNoise.latent(architecture, 3, 0, n, 10);
    try (TrainableVae model =
        new SameDiffBackend().create(result.weights(), new Objective.Iwae(2), 0.02)) {
      double withTrue = mean(model.logWeights(x, trueLabels, n, eps, 10));
      double withOther = mean(model.logWeights(x, otherLabels, n, eps, 10));
      assertThat(withTrue).isGreaterThan(withOther + 1.0);
    }
  }

  private static double mean(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  @Test
  void run_tinyData_lossFallsAndMetricsAreRecorded() {
    List<TrainingProgress> events = new ArrayList<>();
    TrainingResult result =
        loop(spec(new Objective.Iwae(3), 6), tinyData(), CheckpointStore.none())
            .run(events::add, () -> false);

    List<TrainingProgress> epochEnds =
        events.stream()
            .filter(e -> e.phase() == TrainingProgress.Phase.TRAINING)
            .filter(e -> e.step() % TrainingLoop.stepsPerEpoch(50, 8) == 0)
            .toList();
    assertThat(epochEnds).hasSize(6);
    assertThat(epochEnds.get(5).loss()).isLessThan(epochEnds.get(0).loss() - 0.3);
    assertThat(events).extracting(TrainingProgress::step).isSorted();
    assertThat(events.get(events.size() - 1).validationBound())
        .isEqualTo(result.metrics().get("validation_iwae_k20"));
    assertThat(result.metrics())
        .containsOnlyKeys("train_loss", "train_iwae_k3", "validation_iwae_k20");
    // the k-sample bound of the trained model is close to the last epoch's training loss
    assertThat(result.metrics().get("train_iwae_k3"))
        .isCloseTo(-result.metrics().get("train_loss"), within(0.5));
    assertThat(result.metrics().get("validation_iwae_k20"))
        .isGreaterThanOrEqualTo(result.metrics().get("train_iwae_k3") - 0.5);
  }

  /** A sigmoid belief net (6 pixels, 3 Bernoulli units, learned prior) on tinyData. */
  private static final VaeArchitecture SBN = VaeArchitecture.sigmoidBeliefNet(6, 3);

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"vimco", "rws-sleep", "rws-both"})
  void run_sigmoidBeliefNet_boundImprovesAndWeightsLoadIntoTheReference(String name) {
    Objective objective =
        switch (name) {
          case "vimco" -> new Objective.Vimco(4);
          case "rws-sleep" -> new Objective.Rws(4, Objective.RwsPhi.SLEEP);
          default -> new Objective.Rws(4, Objective.RwsPhi.BOTH);
        };
    List<TrainingProgress> events = new ArrayList<>();
    TrainingSpec spec = new TrainingSpec("tiny-sbn", "tiny", SBN, objective, 0.05, 8, 8, 7, 20);
    TrainingResult result =
        loop(spec, tinyData(), CheckpointStore.none()).run(events::add, () -> false);
    List<TrainingProgress> epochEnds =
        events.stream()
            .filter(e -> e.phase() == TrainingProgress.Phase.TRAINING)
            .filter(e -> e.step() % TrainingLoop.stepsPerEpoch(50, 8) == 0)
            .toList();
    assertThat(epochEnds).hasSize(8);
    // the reported loss is the negative IWAE bound of the batches
    assertThat(epochEnds.get(7).trainBound()).isGreaterThan(epochEnds.get(0).trainBound() + 0.3);
    assertThat(epochEnds.get(7).loss()).isCloseTo(-epochEnds.get(7).trainBound(), within(1e-9));
    assertThat(result.metrics()).containsKeys("train_iwae_k4", "validation_iwae_k20");
    VaeWeights weights = result.weights();
    assertThat(weights.prior().mean().in()).isZero();
    assertThat(new io.latentserve.model.ReferenceVae(weights).topPrior(1, null).family())
        .isEqualTo(io.latentserve.model.LatentFamily.BERNOULLI);
  }

  @Test
  void spec_bernoulliLayerWithIwae_invalidNamingObjectiveAndFamily() {
    assertThatThrownBy(
            () -> new TrainingSpec("m", "tiny", SBN, new Objective.Iwae(5), 0.01, 8, 1, 1, 10))
        .isInstanceOfSatisfying(
            InvalidSpecException.class,
            e -> {
              assertThat(e.field()).isEqualTo("spec.objective");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "objective iwae needs reparameterizable latents, layer z1 is bernoulli;"
                          + " use vimco or rws");
            });
  }

  @Test
  void specJson_familiesPriorAndNewObjectives_roundTrip() {
    VaeArchitecture mixed =
        new VaeArchitecture(
            6,
            List.of(
                new StochasticLayer(
                    "z1", 3, List.of(), io.latentserve.model.LatentFamily.BERNOULLI),
                new StochasticLayer("z2", 2, List.of(4))),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0,
            0,
            io.latentserve.model.Prior.LEARNED);
    for (TrainingSpec spec :
        List.of(
            new TrainingSpec("a", "tiny", SBN, new Objective.Vimco(5), 0.01, 8, 1, -3, 10),
            new TrainingSpec(
                "b", "tiny", mixed, new Objective.Rws(3, Objective.RwsPhi.BOTH), 0.01, 8, 1, 1, 10),
            spec(new Objective.Iwae(2), 1))) {
      assertThat(TrainingSpecJson.read(TrainingSpecJson.write(spec))).isEqualTo(spec);
    }
    // a spec written before families: Gaussian layers, the default prior
    String old =
        TrainingSpecJson.write(spec(new Objective.Iwae(2), 1))
            .replace(",\"family\":\"gaussian\"", "")
            .replace(",\"prior\":\"standard_normal\"", "");
    assertThat(old).doesNotContain("family").doesNotContain("prior");
    assertThat(TrainingSpecJson.read(old)).isEqualTo(spec(new Objective.Iwae(2), 1));
  }

  @Test
  void latentNoise_families_gaussianUnchangedAndBernoulliLogistic() {
    VaeArchitecture mixed =
        new VaeArchitecture(
            6,
            List.of(
                new StochasticLayer(
                    "z1", 3, List.of(), io.latentserve.model.LatentFamily.BERNOULLI),
                new StochasticLayer("z2", 2, List.of(4))),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    float[][] eps = LatentNoise.latent(mixed, 9, 4, 2, 3);
    for (int i = 0; i < 2; i++) {
      long key =
          io.latentserve.model.CounterNoise.rowKey(
              9, io.latentserve.model.CounterNoise.Stream.LATENT, 4 + i);
      for (int j = 0; j < 3; j++) {
        float[] logistic = new float[3];
        io.latentserve.model.CounterNoise.logistic(key, j * 5L, logistic, 0, 3);
        float[] normal = new float[2];
        io.latentserve.model.CounterNoise.gaussian(key, j * 5L + 3, normal, 0, 2);
        assertThat(java.util.Arrays.copyOfRange(eps[0], (i * 3 + j) * 3, (i * 3 + j + 1) * 3))
            .containsExactly(logistic);
        assertThat(java.util.Arrays.copyOfRange(eps[1], (i * 3 + j) * 2, (i * 3 + j + 1) * 2))
            .containsExactly(normal);
      }
    }
  }

  @Test
  void run_sameSpecTwice_identicalWeights() {
    TrainingResult a =
        loop(spec(new Objective.Dreg(2), 2), tinyData(), CheckpointStore.none())
            .run(p -> {}, () -> false);
    TrainingResult b =
        loop(spec(new Objective.Dreg(2), 2), tinyData(), CheckpointStore.none())
            .run(p -> {}, () -> false);
    assertThat(a.weights()).usingRecursiveComparison().isEqualTo(b.weights());
    assertThat(a.metrics()).isEqualTo(b.metrics());
  }

  @Test
  void run_resumedFromMidEpochCheckpoint_bitIdenticalToUninterruptedRun() {
    for (Objective objective :
        List.of(new Objective.Iwae(2), new Objective.InfoVae(0.5, 10), new Objective.Elbo())) {
      TrainingSpec spec = spec(objective, 3);
      TrainingResult straight =
          loop(spec, tinyData(), CheckpointStore.none()).run(p -> {}, () -> false);

      MemoryStore store = new MemoryStore();
      AtomicInteger polls = new AtomicInteger();
      // stop in the middle of epoch 2 (7 steps per epoch)
      assertThatThrownBy(
              () -> loop(spec, tinyData(), store).run(p -> {}, () -> polls.incrementAndGet() > 10))
          .isInstanceOf(JobCancelledException.class);
      assertThat(store.latest.epoch()).isEqualTo(1);
      assertThat(store.latest.stepInEpoch()).isEqualTo(3);

      TrainingResult resumed = loop(spec, tinyData(), store).run(p -> {}, () -> false);
      assertThat(resumed.weights()).usingRecursiveComparison().isEqualTo(straight.weights());
      assertThat(resumed.metrics()).isEqualTo(straight.metrics());
    }
  }

  @Test
  void run_cancelled_stopsBeforeTheNextStep() {
    AtomicInteger polls = new AtomicInteger();
    List<TrainingProgress> events = new ArrayList<>();
    assertThatThrownBy(
            () ->
                loop(spec(new Objective.Elbo(), 5), tinyData(), CheckpointStore.none())
                    .run(events::add, () -> polls.incrementAndGet() > 4))
        .isInstanceOf(JobCancelledException.class)
        .hasMessageContaining("step 4");
    assertThat(events).isNotEmpty().allMatch(e -> e.step() <= 4);
  }

  @Test
  void run_nanInData_throwsNonFiniteLoss() {
    VaeArchitecture gaussian =
        new VaeArchitecture(
            6,
            List.of(new StochasticLayer("z1", 2, List.of(4))),
            Activation.TANH,
            LikelihoodFamily.GAUSSIAN_FIXED,
            0.5);
    float[] images = new float[20 * 6];
    images[5 * 6 + 2] = Float.NaN;
    Dataset train = Dataset.of("nan", Split.TRAIN, images, new int[20], 2, 3);
    TrainingSpec spec =
        new TrainingSpec("nan-model", "nan", gaussian, new Objective.Elbo(), 0.01, 20, 1, 1, 1);
    MemoryStore store = new MemoryStore();
    assertThatThrownBy(
            () -> loop(spec, new TrainingData(train, train), store).run(p -> {}, () -> false))
        .isInstanceOf(NonFiniteLossException.class)
        .hasMessageContaining("step 1");
    assertThat(store.saves).isZero();
  }

  @Test
  void bound_chunkedOverSamples_equalsTheReferenceLogMeanExp() {
    VaeWeights weights = VaeWeights.random(ARCHITECTURE, 3);
    Dataset validation = data("tiny", Split.TEST, 3, 4);
    int k = TrainingLoop.EVALUATION_SAMPLES_PER_CALL + 904;
    long seed = 99;
    try (TrainableVae model = new SameDiffBackend().create(weights, new Objective.Elbo(), 1e-3)) {
      double bound = TrainingLoop.bound(model, validation, k, null, seed, () -> false);

      float[][] eps = LatentNoise.latent(ARCHITECTURE, seed, 0, 3, k);
      double[][] logW =
          new ReferenceVae(weights)
              .logWeights(
                  FloatTensor.of(validation.images().copyData(), 3, 6),
                  List.of(FloatTensor.of(eps[0], 3, k, 2)))
              .logW();
      double expected = 0;
      for (double[] row : logW) {
        double max = java.util.Arrays.stream(row).max().orElseThrow();
        double sum = 0;
        for (double v : row) {
          sum += Math.exp(v - max);
        }
        expected += max + Math.log(sum / k);
      }
      assertThat(bound).isCloseTo(expected / 3, within(1e-4));
    }
  }

  @Test
  void latentNoise_sampleChunks_concatenateToTheWhole() {
    VaeArchitecture two =
        new VaeArchitecture(
            4,
            List.of(
                new StochasticLayer("z1", 3, List.of()), new StochasticLayer("z2", 2, List.of())),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    float[][] whole = LatentNoise.latent(two, 5, 10, 2, 7);
    float[][] head = LatentNoise.latent(two, 5, 10, 2, 0, 3);
    float[][] tail = LatentNoise.latent(two, 5, 10, 2, 3, 4);
    for (int l = 0; l < 2; l++) {
      int d = two.layer(l).latentDim();
      for (int r = 0; r < 2; r++) {
        for (int j = 0; j < 7; j++) {
          for (int c = 0; c < d; c++) {
            float expected = whole[l][(r * 7 + j) * d + c];
            float actual = j < 3 ? head[l][(r * 3 + j) * d + c] : tail[l][(r * 4 + j - 3) * d + c];
            assertThat(actual).isEqualTo(expected);
          }
        }
      }
    }
  }
}
