package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import org.junit.jupiter.api.Test;

class MutualInformationEstimatorTest {

  /** N posteriors N(m_i, 0.01^2) with m_i = scale * i in each of 2 dims; z_i = m_i. */
  private static FloatTensor[] posteriors(int n, double spacing) {
    float[] mean = new float[n * 2];
    float[] logVar = new float[n * 2];
    for (int i = 0; i < n; i++) {
      mean[i * 2] = (float) (spacing * i);
      mean[i * 2 + 1] = (float) (-spacing * i);
      logVar[i * 2] = (float) Math.log(1e-4);
      logVar[i * 2 + 1] = (float) Math.log(1e-4);
    }
    return new FloatTensor[] {
      FloatTensor.of(mean, n, 2), FloatTensor.of(logVar, n, 2), FloatTensor.of(mean.clone(), n, 2)
    };
  }

  @Test
  void aggregate_identicalPosteriors_isZero() {
    FloatTensor[] q = posteriors(50, 0);

    Estimate mi = MutualInformationEstimator.aggregate(q[0], q[1], q[2]);

    assertThat(mi.value()).isCloseTo(0.0, within(1e-9));
  }

  @Test
  void aggregate_wellSeparatedPosteriors_reachesCeilingLogN() {
    FloatTensor[] q = posteriors(300, 10);

    Estimate mi = MutualInformationEstimator.aggregate(q[0], q[1], q[2]);

    assertThat(mi.value()).isCloseTo(Math.log(300), within(1e-6));
  }

  @Test
  void minibatch_wellSeparatedPosteriors_reachesLogBatchSize() {
    FloatTensor[] q = posteriors(256, 10);

    double mi = MutualInformationEstimator.minibatch(q[0], q[1], q[2], 64);

    // With z_i at its mean, log q(z_i|x_i) exceeds -H(q) by d/2 = 1: each batch gives log B - 1.
    assertThat(mi).isCloseTo(Math.log(64) - 1.0, within(1e-6));
  }

  @Test
  void minibatch_lastBatchSmaller_weightsBatchesBySize() {
    FloatTensor[] q = posteriors(100, 10);

    double mi = MutualInformationEstimator.minibatch(q[0], q[1], q[2], 64);

    double expected = (64 * Math.log(64) + 36 * Math.log(36)) / 100 - 1.0;
    assertThat(mi).isCloseTo(expected, within(1e-6));
  }

  @Test
  void kernelDensity_32DimensionalGaussian_isNotCappedAtLogNAndIsBiasedHigh() {
    // q(z|x) = N(x, 0.01 I), x ~ N(0, I_32): I(x;z) = 16 log 101 = 73.8 nats, far above log N.
    int n = 2000;
    int d = 32;
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    float[] mean = new float[n * d];
    float[] logVar = new float[n * d];
    float[] z = new float[n * d];
    float[] fit = new float[n * d];
    for (int i = 0; i < n * d; i++) {
      mean[i] = (float) random.nextGaussian();
      logVar[i] = (float) Math.log(0.01);
      z[i] = (float) (mean[i] + 0.1 * random.nextGaussian());
      fit[i] = (float) (random.nextGaussian() + 0.1 * random.nextGaussian());
    }
    io.latentserve.model.LayerDistribution q =
        io.latentserve.model.LayerDistribution.gaussian(
            "z",
            FloatTensor.of(mean, n, d),
            FloatTensor.of(logVar, n, d),
            java.util.Optional.of(FloatTensor.of(z, n, d)));
    double exact = d / 2.0 * Math.log(101);

    Estimate kde =
        MutualInformationEstimator.kernelDensity(q, GaussianKde.fit(FloatTensor.of(fit, n, d)));
    Estimate aggregate = MutualInformationEstimator.aggregate(q);

    // The aggregate estimator stops at log N; the KDE's overshoots by KL(q(z) || KDE) > 0, here
    // about 6% (Scott's factor 2000^(-1/36) = 0.81 smooths a lot in 32 dimensions).
    assertThat(aggregate.value()).isLessThanOrEqualTo(Math.log(n) + 1e-9);
    assertThat(kde.value()).isGreaterThan(exact + 10 * kde.standardError());
    assertThat(kde.value()).isBetween(exact, exact * 1.1);
  }
}
