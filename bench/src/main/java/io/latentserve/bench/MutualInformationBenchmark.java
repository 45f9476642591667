package io.latentserve.bench;

import io.latentserve.evaluator.core.Estimate;
import io.latentserve.evaluator.core.GaussianKde;
import io.latentserve.evaluator.core.MutualInformationEstimator;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The evaluator's KDE estimator of I(x;z) (LagVAE's) against the aggregate-posterior one, where
 * I(x;z) is known: q(z|x) = N(x, s^2 I) with x ~ N(0, I_d), so I = d/2 log(1 + 1/s^2). The KDE is
 * fitted to N independent draws of q(z) and evaluated at N other draws. Prints a Markdown table.
 */
public final class MutualInformationBenchmark {
  private static final double S = 0.1;

  private MutualInformationBenchmark() {}

  public static void main(String[] args) {
    System.out.printf(
        Locale.ROOT,
        "%s, load average %.1f%n%n| d | N | exact | KDE (+- SE) | KDE time | aggregate (ceiling log N) |%n"
            + "| --- | --- | --- | --- | --- | --- |%n",
        Machine.cpuModel(),
        Machine.loadAverage());
    for (int d : new int[] {2, 8, 32, 64}) {
      for (int n : new int[] {2000, 8000}) {
        row(d, n);
      }
    }
  }

  private static void row(int d, int n) {
    SplittableRandom random = new SplittableRandom(d * 31L + n);
    float[] mean = new float[n * d];
    float[] logVar = new float[n * d];
    float[] z = new float[n * d];
    float[] fit = new float[n * d];
    for (int i = 0; i < n * d; i++) {
      mean[i] = (float) random.nextGaussian();
      logVar[i] = (float) Math.log(S * S);
      z[i] = (float) (mean[i] + S * random.nextGaussian());
      fit[i] = (float) (random.nextGaussian() + S * random.nextGaussian());
    }
    LayerDistribution q =
        LayerDistribution.gaussian(
            "z",
            FloatTensor.of(mean, n, d),
            FloatTensor.of(logVar, n, d),
            Optional.of(FloatTensor.of(z, n, d)));
    long start = System.nanoTime();
    Estimate kde =
        MutualInformationEstimator.kernelDensity(q, GaussianKde.fit(FloatTensor.of(fit, n, d)));
    long end = System.nanoTime();
    Estimate aggregate = MutualInformationEstimator.aggregate(q);
    System.out.printf(
        Locale.ROOT,
        "| %d | %d | %.2f | %.2f +- %.2f | %.1f s | %.2f (%.2f) |%n",
        d,
        n,
        d / 2.0 * Math.log(1 + 1 / (S * S)),
        kde.value(),
        kde.standardError(),
        (end - start) / 1e9,
        aggregate.value(),
        Math.log(n));
  }
}
