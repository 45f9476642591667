package io.latentserve.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.model.FloatTensor;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SeededVaeModelValidationTest {
  private static final ModelLimits LIMITS = new ModelLimits(16, 50, 64);
  private final ReferenceGraphRunner runner =
      new ReferenceGraphRunner(io.latentserve.model.VaeWeights.random(TestModels.twoLayer(), 7));
  private final SeededVaeModel model =
      new SeededVaeModel(TestModels.ID, TestModels.twoLayer(), runner, LIMITS);

  @AfterEach
  void close() {
    model.close();
  }

  private static FloatTensor x(int n) {
    return TestModels.binary(n, 784, 1);
  }

  @Test
  void encode_wrongFeatureCount_namesActualAndExpected() {
    assertThatThrownBy(() -> model.encode(TestModels.binary(2, 783, 1), false, 1, 0))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("x"))
        .hasMessage("x has 783 features, model mnist-vae/3 expects 784");
    assertThat(runner.runs()).isZero();
  }

  @Test
  void encode_wrongRank_namesShape() {
    assertThatThrownBy(() -> model.encode(FloatTensor.zeros(784), false, 1, 0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("x must have rank 2 [N, 784], got rank 1 shape [784]");
  }

  @Test
  void encode_nan_namesFirstBadRowAndColumn() {
    float[] data = x(3).copyData();
    data[784 + 17] = Float.NaN;
    data[2 * 784 + 3] = Float.NaN;
    assertThatThrownBy(() -> model.encode(FloatTensor.of(data, 3, 784), true, 1, 0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("x[1, 17] is NaN: every value must be finite");
  }

  @Test
  void logProb_infinity_namesRowAndColumn() {
    float[] data = x(2).copyData();
    data[783] = Float.NEGATIVE_INFINITY;
    assertThatThrownBy(
            () ->
                model.logProb(
                    FloatTensor.of(data, 2, 784),
                    List.of(FloatTensor.zeros(2, 8), FloatTensor.zeros(2, 4))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("x[0, 783] is -Infinity: every value must be finite");
  }

  @Test
  void importanceWeights_emptyBatch_throwsInvalidInput() {
    assertThatThrownBy(() -> model.importanceWeights(FloatTensor.zeros(0, 784), 0, 5, 1, 0, false))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("x has 0 rows, at least 1 is required");
  }

  @Test
  void encode_rowsAboveLimit_throwsLimitExceeded() {
    assertThatThrownBy(() -> model.encode(x(17), false, 1, 0))
        .isInstanceOfSatisfying(
            LimitExceededException.class,
            e -> {
              assertThat(e.field()).isEqualTo("x");
              assertThat(e.limit()).isEqualTo(16);
              assertThat(e.actual()).isEqualTo(17);
            })
        .hasMessage("x has 17 rows, the limit is 16");
  }

  @Test
  void encode_negativeFirstRow_throwsInvalidInput() {
    assertThatThrownBy(() -> model.encode(x(1), true, 1, -1))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("first_row must be >= 0, got -1");
  }

  @Test
  void decode_wrongTopWidth_namesActualAndExpected() {
    assertThatThrownBy(() -> model.decode(FloatTensor.zeros(2, 8), false, 1, 0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("z has 8 columns, model mnist-vae/3 expects 4");
  }

  @Test
  void sample_zeroDraws_throwsInvalidInput() {
    assertThatThrownBy(() -> model.sample(0, 1, false))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("n must be >= 1, got 0");
  }

  @Test
  void sample_drawsAboveLimit_throwsLimitExceeded() {
    assertThatThrownBy(() -> model.sample(17, 1, false))
        .isInstanceOf(LimitExceededException.class)
        .hasMessage("n is 17, the limit is 16");
  }

  @Test
  void logProb_wrongLayerCount_namesLayers() {
    assertThatThrownBy(() -> model.logProb(x(2), List.of(FloatTensor.zeros(2, 8))))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("z"))
        .hasMessage("z has 1 tensors, model mnist-vae/3 has 2 latent layers [z1, z2]");
  }

  @Test
  void logProb_wrongLayerWidth_namesLayerAndWidths() {
    assertThatThrownBy(
            () -> model.logProb(x(2), List.of(FloatTensor.zeros(2, 8), FloatTensor.zeros(2, 5))))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("z[1]"))
        .hasMessage("z[1] has 5 columns (layer z2), model mnist-vae/3 expects 4");
  }

  @Test
  void logProb_rowCountMismatch_namesBoth() {
    assertThatThrownBy(
            () -> model.logProb(x(2), List.of(FloatTensor.zeros(3, 8), FloatTensor.zeros(2, 4))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("z[0] has 3 rows, x has 2: they must match");
  }

  @Test
  void logProb_nanInLatent_namesTensorRowAndColumn() {
    float[] z2 = new float[8];
    z2[6] = Float.NaN;
    assertThatThrownBy(
            () -> model.logProb(x(2), List.of(FloatTensor.zeros(2, 8), FloatTensor.of(z2, 2, 4))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("z[1][1, 2] is NaN: every value must be finite");
  }

  @Test
  void planImportanceWeights_zeroK_throwsInvalidInput() {
    assertThatThrownBy(() -> model.planImportanceWeights(2, 0, 0))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("k"))
        .hasMessage("k must be >= 1, got 0");
  }

  @Test
  void planImportanceWeights_negativeK_throwsInvalidInput() {
    assertThatThrownBy(() -> model.planImportanceWeights(2, -5, 0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("k must be >= 1, got -5");
  }

  @Test
  void planImportanceWeights_kAboveLimit_throwsLimitExceeded() {
    assertThatThrownBy(() -> model.planImportanceWeights(2, 51, 0))
        .isInstanceOfSatisfying(
            LimitExceededException.class, e -> assertThat(e.field()).isEqualTo("k"))
        .hasMessage("k is 51, the limit is 50");
  }

  @Test
  void planImportanceWeights_negativeChunkSize_throwsInvalidInput() {
    assertThatThrownBy(() -> model.planImportanceWeights(2, 10, -1))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("chunk_size must be >= 0 (0 lets the server choose), got -1");
  }

  @Test
  void planImportanceWeights_withinBudget_coversKInChunksUnderBudget() {
    // 64-row budget, 5 rows: 12 samples per chunk.
    assertThat(model.planImportanceWeights(5, 50, 0))
        .containsExactly(
            new SampleRange(0, 12),
            new SampleRange(12, 12),
            new SampleRange(24, 12),
            new SampleRange(36, 12),
            new SampleRange(48, 2));
    assertThat(model.planImportanceWeights(2, 10, 3))
        .hasSize(4)
        .last()
        .isEqualTo(new SampleRange(9, 1));
  }

  @Test
  void importanceWeights_samplesBeyondLimit_throwsLimitExceeded() {
    assertThatThrownBy(() -> model.importanceWeights(x(1), 45, 10, 1, 0, false))
        .isInstanceOf(LimitExceededException.class)
        .hasMessage("samples up to 55 requested, the limit is 50");
  }

  @Test
  void importanceWeights_negativeOffset_throwsInvalidInput() {
    assertThatThrownBy(() -> model.importanceWeights(x(1), -1, 10, 1, 0, false))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("sample_offset must be >= 0, got -1");
  }

  @Test
  void encode_afterClose_throwsModelUnavailable() {
    model.close();
    assertThatThrownBy(() -> model.encode(x(1), false, 1, 0))
        .isInstanceOf(ModelUnavailableException.class);
  }
}
