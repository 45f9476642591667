package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShapeProductsTest {
  @ParameterizedTest
  @CsvSource({
    "4294967296, 4294967296, 9223372036854775807",
    "9223372036854775807, 2, 9223372036854775807",
    "3037000499, 3037000499, 9223372030926249001",
    "3037000500, 3037000500, 9223372036854775807",
    "9223372036854775807, 1, 9223372036854775807",
    "0, 9223372036854775807, 0",
  })
  void product_64BitExtremes_saturatesInsteadOfWrapping(long a, long b, long expected) {
    assertThat(ShapeProducts.product(a, b)).isEqualTo(expected);
  }

  @Test
  void arraySize_overOneArray_namesWhatTheFactorsAndTheLimit() {
    assertThatThrownBy(
            () -> ShapeProducts.arraySize("examples * latent units of layer z1", 1L << 32, 50))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessage(
            "examples * latent units of layer z1 is 4294967296 * 50 = 214748364800, at most"
                + " 2147483639 fit in one evaluation");
    assertThatThrownBy(() -> ShapeProducts.arraySize("x", Long.MAX_VALUE, Long.MAX_VALUE))
        .hasMessageContaining("= more than 2^63 - 1");
    assertThat(ShapeProducts.arraySize("x", 1000, 784)).isEqualTo(784_000);
  }

  @Test
  void inputDim_ofAHugeInputShape_isInvalidArgumentNotArithmeticException() {
    ModelDescription model =
        new ModelDescription(
            "m",
            1,
            List.of(1L << 32, 1L << 32),
            io.latentserve.model.LikelihoodFamily.BERNOULLI,
            0,
            List.of(new LatentLayerInfo("z1", 2, io.latentserve.model.LatentFamily.GAUSSIAN)),
            "cpu",
            "",
            "",
            0,
            0,
            java.util.Map.of(),
            "",
            "",
            null,
            0,
            null);

    assertThatThrownBy(model::inputDim)
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageStartingWith("model m/1 input shape [4294967296, 4294967296]: features is");
  }
}
