package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;

/**
 * The squared maximum mean discrepancy between two samples (Gretton et al. 2012, "A Kernel
 * Two-Sample Test"), with the kernel k(a, b) = exp(-|a - b|^2 / dim^2) used by InfoVAE (Zhao, Song
 * and Ermon 2019) to compare the aggregate posterior q(z) with the prior p(z).
 */
public final class MaximumMeanDiscrepancy {
  private MaximumMeanDiscrepancy() {}

  /**
   * The unbiased U-statistic of MMD^2(P, Q) (Gretton et al. 2012, eq. 3): its expectation is the
   * population MMD^2, so it can be slightly negative when P = Q.
   *
   * @param a m >= 2 draws from P, [m, dim]
   * @param b n >= 2 draws from Q, [n, dim]
   */
  public static double squaredUnbiased(FloatTensor a, FloatTensor b) {
    if (a.rank() != 2 || b.rank() != 2 || a.dim(1) != b.dim(1)) {
      throw new IllegalArgumentException("samples must be [m, dim] and [n, dim], got " + a + b);
    }
    int m = (int) a.dim(0);
    int n = (int) b.dim(0);
    if (m < 2 || n < 2) {
      throw new IllegalArgumentException(
          "MMD needs at least two draws of each, got " + m + ", " + n);
    }
    int d = (int) a.dim(1);
    double aa = offDiagonalMean(a.data(), m, d);
    double bb = offDiagonalMean(b.data(), n, d);
    double ab = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        ab += kernel(a.data(), i * d, b.data(), j * d, d);
      }
    }
    return aa + bb - 2 * ab / ((double) m * n);
  }

  private static double offDiagonalMean(float[] x, int m, int d) {
    double sum = 0;
    for (int i = 0; i < m; i++) {
      for (int j = i + 1; j < m; j++) {
        sum += kernel(x, i * d, x, j * d, d);
      }
    }
    return 2 * sum / ((double) m * (m - 1));
  }

  static double kernel(float[] a, int ao, float[] b, int bo, int d) {
    double sq = 0;
    for (int c = 0; c < d; c++) {
      double diff = a[ao + c] - b[bo + c];
      sq += diff * diff;
    }
    return Math.exp(-sq / ((double) d * d));
  }
}
