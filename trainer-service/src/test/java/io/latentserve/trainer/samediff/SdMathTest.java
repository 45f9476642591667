package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.CounterNoise;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SdMathTest {
  @Test
  void softplus_extremeInputs_finiteWithExactGradient() {
    SameDiff sd = SameDiff.create();
    SDVariable x = sd.var("x", Nd4j.createFromArray(-1000f, -30f, 0f, 30f, 1000f));
    SDVariable y = SdMath.softplus(x).rename("y");
    sd.setLossVariables(y.sum().rename("loss"));
    INDArray value = sd.output(Map.of(), "y").get("y");
    INDArray grad = sd.calculateGradients(Map.of(), "x").get("x");
    float[] expected = {0f, (float) Math.log1p(Math.exp(-30)), (float) Math.log(2), 30f, 1000f};
    for (int i = 0; i < expected.length; i++) {
      assertThat(value.getFloat(i)).isCloseTo(expected[i], within(1e-6f * (1 + expected[i])));
      double sigmoid = 1 / (1 + Math.exp(-x.getArr().getDouble(i)));
      assertThat(grad.getDouble(i)).isCloseTo(sigmoid, within(1e-6));
    }
  }

  @Test
  void logMeanExp_extremeInputs_finiteWithSoftmaxGradient() {
    SameDiff sd = SameDiff.create();
    SDVariable x =
        sd.var(
            "x",
            Nd4j.createFromArray(new float[][] {{1000f, -1000f, 999f}, {-5e4f, -5e4f, -5e4f}}));
    SDVariable y = SdMath.logMeanExp(x, 1, 3).rename("y");
    sd.setLossVariables(y.sum().rename("loss"));
    INDArray value = sd.output(Map.of(), "y").get("y");
    INDArray grad = sd.calculateGradients(Map.of(), "x").get("x");
    double row0 = 1000 + Math.log((1 + Math.exp(-1)) / 3);
    assertThat(value.getDouble(0)).isCloseTo(row0, within(1e-3));
    assertThat(value.getDouble(1)).isCloseTo(-5e4, within(1e-2));
    double p0 = 1 / (1 + Math.exp(-1));
    assertThat(grad.getDouble(0, 0)).isCloseTo(p0, within(1e-6));
    assertThat(grad.getDouble(0, 1)).isCloseTo(0, within(1e-6));
    assertThat(grad.getDouble(0, 2)).isCloseTo(1 - p0, within(1e-6));
    for (int j = 0; j < 3; j++) {
      assertThat(grad.getDouble(1, j)).isCloseTo(1.0 / 3, within(1e-6));
    }
  }

  private static double mmd(float[] a, float[] b, int d) {
    SameDiff sd = SameDiff.create();
    SDVariable va =
        sd.constant(Nd4j.create(a, new long[] {a.length / d, d}, 'c').castTo(DataType.DOUBLE));
    SDVariable vb =
        sd.constant(Nd4j.create(b, new long[] {b.length / d, d}, 'c').castTo(DataType.DOUBLE));
    SDVariable m = SdMath.mmd(va, vb, d).rename("mmd");
    return sd.output(Map.of(), "mmd").get("mmd").getDouble(0);
  }

  private static float[] normal(long seed, int rows, int d, float shift) {
    float[] out = new float[rows * d];
    for (int i = 0; i < rows; i++) {
      CounterNoise.gaussian(
          CounterNoise.rowKey(seed, CounterNoise.Stream.PRIOR, i), 0, out, i * d, d);
    }
    for (int i = 0; i < out.length; i++) {
      out[i] += shift;
    }
    return out;
  }

  @Test
  void mmd_samplesOfTheSameDistribution_nearZero() {
    int d = 2;
    double same = mmd(normal(1, 400, d, 0), normal(2, 400, d, 0), d);
    double shifted = mmd(normal(1, 400, d, 0), normal(2, 400, d, 1.5f), d);
    assertThat(mmd(normal(1, 50, d, 0), normal(1, 50, d, 0), d)).isCloseTo(0, within(1e-12));
    assertThat(same).isBetween(0.0, 0.01);
    assertThat(shifted).isGreaterThan(20 * same);
  }

  @Test
  void mmd_againstDirectDoubleSum() {
    int d = 3;
    float[] a = normal(3, 7, d, 0);
    float[] b = normal(4, 5, d, 0.3f);
    double expected = kernelMean(a, a, d) + kernelMean(b, b, d) - 2 * kernelMean(a, b, d);
    assertThat(mmd(a, b, d)).isCloseTo(expected, within(1e-9));
  }

  private static double kernelMean(float[] a, float[] b, int d) {
    int n = a.length / d;
    int m = b.length / d;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int c = 0; c < d; c++) {
          double diff = (double) a[i * d + c] - b[j * d + c];
          s += diff * diff;
        }
        sum += Math.exp(-s / (d * d));
      }
    }
    return sum / (n * m);
  }
}
