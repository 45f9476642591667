package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import org.junit.jupiter.api.Test;

class GaussianKdeTest {

  @Test
  void logDensities_threePointsInOneDimension_matchTheMixtureOfScottKernels() {
    // Points 0, 1, 3: mean 4/3, unbiased variance 7/3, Scott's factor 3^(-1/5).
    GaussianKde kde = GaussianKde.fit(FloatTensor.of(new float[] {0, 1, 3}, 3, 1));
    double h2 = 7.0 / 3 * Math.pow(3, -2.0 / 5);

    double[] actual = kde.logDensities(FloatTensor.of(new float[] {0.5f, -2f, 10f}, 3, 1));

    double[] at = {0.5, -2, 10};
    for (int i = 0; i < 3; i++) {
      double sum = 0;
      for (double x : new double[] {0, 1, 3}) {
        sum += Math.exp(-0.5 * (at[i] - x) * (at[i] - x) / h2) / Math.sqrt(2 * Math.PI * h2);
      }
      assertThat(actual[i]).isCloseTo(Math.log(sum / 3), within(1e-12));
    }
    assertThat(kde.factor()).isCloseTo(Math.pow(3, -0.2), within(1e-15));
  }

  @Test
  void logDensities_correlatedPointsInTwoDimensions_useTheFullCovariance() {
    float[] points = {0, 0, 1, 2, 2, 1, 3, 4, -1, 0.5f};
    int n = 5;
    GaussianKde kde = GaussianKde.fit(FloatTensor.of(points, n, 2));
    // The sample covariance (n - 1) times Scott's factor squared, inverted in closed form.
    double mx = 0;
    double my = 0;
    for (int j = 0; j < n; j++) {
      mx += points[2 * j] / (double) n;
      my += points[2 * j + 1] / (double) n;
    }
    double sxx = 0;
    double syy = 0;
    double sxy = 0;
    for (int j = 0; j < n; j++) {
      double dx = points[2 * j] - mx;
      double dy = points[2 * j + 1] - my;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    double f2 = Math.pow(n, -2.0 / 6);
    double a = sxx / (n - 1) * f2;
    double c = syy / (n - 1) * f2;
    double b = sxy / (n - 1) * f2;
    double det = a * c - b * b;
    double[] z = {0.7f, 1.1f};

    double expected = 0;
    for (int j = 0; j < n; j++) {
      double dx = z[0] - points[2 * j];
      double dy = z[1] - points[2 * j + 1];
      double quad = (c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det;
      expected += Math.exp(-0.5 * quad) / (2 * Math.PI * Math.sqrt(det)) / n;
    }

    double actual = kde.logDensities(FloatTensor.of(new float[] {0.7f, 1.1f}, 1, 2))[0];

    assertThat(b).isNotZero();
    assertThat(actual).isCloseTo(Math.log(expected), within(1e-9));
  }

  @Test
  void fit_constantUnit_throwsNamingTheSingularCovariance() {
    FloatTensor points = FloatTensor.of(new float[] {0, 1, 1, 1, 2, 1}, 3, 2);

    assertThatThrownBy(() -> GaussianKde.fit(points))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("singular");
  }

  @Test
  void fit_onePoint_throws() {
    assertThatThrownBy(() -> GaussianKde.fit(FloatTensor.of(new float[] {1, 2}, 1, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("n >= 2");
  }
}
