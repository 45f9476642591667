package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.stream.IntStream;

/**
 * A Gaussian kernel density estimate with Scott's bandwidth, as {@code scipy.stats.gaussian_kde}
 * computes it (the KDE behind LagVAE's mutual-information figure):
 *
 * <pre>KDE(z) = (1/n) sum_j N(z; z_j, H),   H = f^2 Cov(z_1..z_n),   f = n^(-1/(d+4))</pre>
 *
 * with Cov the unbiased (n - 1) sample covariance of the fitted points, full, not diagonal. The
 * points are whitened once by the Cholesky factor L of H (H = L L^T), so each kernel is the
 * standard normal of the whitened distance, less log det L.
 */
public final class GaussianKde {
  private static final double LOG_2PI = Math.log(2 * Math.PI);
  private static final int BLOCK = 64;

  private final int n;
  private final int d;
  private final double factor;
  private final double[] mean;
  private final double[][] cholesky;
  private final double[] whitened;
  private final double logNormalizer;

  private GaussianKde(int n, int d, double factor, double[] mean, double[][] l, double[] w) {
    this.n = n;
    this.d = d;
    this.factor = factor;
    this.mean = mean;
    this.cholesky = l;
    this.whitened = w;
    double logDetL = 0;
    for (int i = 0; i < d; i++) {
      logDetL += Math.log(l[i][i]);
    }
    this.logNormalizer = -0.5 * d * LOG_2PI - logDetL - Math.log(n);
  }

  /**
   * Fits the KDE to {@code points}.
   *
   * @param points [n, d] with n >= 2 and a positive-definite sample covariance
   * @throws IllegalArgumentException when n < 2 or the covariance is singular (e.g. a unit that is
   *     the same in every point)
   */
  public static GaussianKde fit(FloatTensor points) {
    if (points.rank() != 2 || points.dim(0) < 2 || points.dim(1) < 1) {
      throw new IllegalArgumentException(
          "a KDE needs points [n, d] with n >= 2, got "
              + java.util.Arrays.toString(points.shape()));
    }
    int n = (int) points.dim(0);
    int d = points.rowSize();
    float[] x = points.data();
    double[] mean = new double[d];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        mean[c] += x[r * d + c];
      }
    }
    for (int c = 0; c < d; c++) {
      mean[c] /= n;
    }
    double[][] cov = new double[d][d];
    for (int r = 0; r < n; r++) {
      for (int a = 0; a < d; a++) {
        double da = x[r * d + a] - mean[a];
        for (int b = 0; b <= a; b++) {
          cov[a][b] += da * (x[r * d + b] - mean[b]);
        }
      }
    }
    double factor = scottFactor(n, d);
    for (int a = 0; a < d; a++) {
      for (int b = 0; b <= a; b++) {
        cov[a][b] *= factor * factor / (n - 1);
        cov[b][a] = cov[a][b];
      }
    }
    double[][] l = cholesky(cov);
    double[] w = new double[n * d];
    double[] row = new double[d];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        row[c] = x[r * d + c] - mean[c];
      }
      solveLower(l, row, w, r * d);
    }
    return new GaussianKde(n, d, factor, mean, l, w);
  }

  /** Scott's rule: n^(-1/(d+4)). */
  public static double scottFactor(int n, int d) {
    return Math.pow(n, -1.0 / (d + 4));
  }

  /** The points fitted. */
  public int points() {
    return n;
  }

  /** Dimension d. */
  public int dim() {
    return d;
  }

  /** Scott's factor f that scales the points' standard deviation into the kernel's. */
  public double factor() {
    return factor;
  }

  /**
   * log KDE(z) of every row; rows are split over the common fork-join pool, each computed alone, so
   * the result does not depend on the number of threads.
   *
   * @param z [m, d]
   * @return [m], nats
   */
  public double[] logDensities(FloatTensor z) {
    if (z.rank() != 2 || z.rowSize() != d) {
      throw new IllegalArgumentException(
          "points must be [m, " + d + "], got " + java.util.Arrays.toString(z.shape()));
    }
    int m = (int) z.dim(0);
    float[] zs = z.data();
    double[] out = new double[m];
    IntStream.range(0, (m + BLOCK - 1) / BLOCK)
        .parallel()
        .forEach(
            block -> {
              double[] centred = new double[d];
              double[] w = new double[d];
              double[] exponents = new double[n];
              for (int i = block * BLOCK; i < Math.min(m, (block + 1) * BLOCK); i++) {
                for (int c = 0; c < d; c++) {
                  centred[c] = zs[i * d + c] - mean[c];
                }
                solveLower(cholesky, centred, w, 0);
                for (int j = 0; j < n; j++) {
                  double quad = 0;
                  int base = j * d;
                  for (int c = 0; c < d; c++) {
                    double diff = w[c] - whitened[base + c];
                    quad += diff * diff;
                  }
                  exponents[j] = -0.5 * quad;
                }
                out[i] = MutualInformationEstimator.logSumExp(exponents, n) + logNormalizer;
              }
            });
    return out;
  }

  private static double[][] cholesky(double[][] a) {
    int d = a.length;
    double[][] l = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i][j];
        for (int k = 0; k < j; k++) {
          sum -= l[i][k] * l[j][k];
        }
        if (i == j) {
          if (!(sum > 0)) {
            throw new IllegalArgumentException(
                "the covariance of the KDE's points is singular (unit "
                    + i
                    + " is a linear function of the others or constant)");
          }
          l[i][i] = Math.sqrt(sum);
        } else {
          l[i][j] = sum / l[j][j];
        }
      }
    }
    return l;
  }

  /** out[offset..offset+d) = L^{-1} b by forward substitution. */
  private static void solveLower(double[][] l, double[] b, double[] out, int offset) {
    int d = b.length;
    for (int i = 0; i < d; i++) {
      double sum = b[i];
      for (int k = 0; k < i; k++) {
        sum -= l[i][k] * out[offset + k];
      }
      out[offset + i] = sum / l[i][i];
    }
  }
}
