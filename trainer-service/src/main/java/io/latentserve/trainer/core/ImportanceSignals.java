package io.latentserve.trainer.core;

/**
 * The learning signals that VIMCO and reweighted wake-sleep compute from the log importance weights
 * of a forward pass and feed back into the gradient pass as constants. All of it is in log space,
 * max-shifted, in double precision; each row of {@code logW} [rows, k] (row-major, nats) is one
 * example's k samples.
 */
public final class ImportanceSignals {
  private ImportanceSignals() {}

  /**
   * Self-normalized importance weights w~_j = w_j / sum_i w_i per row (the softmax of log w).
   *
   * @return [rows, k] row-major
   */
  public static double[] normalizedWeights(double[] logW, int rows, int k) {
    check(logW, rows, k);
    double[] out = new double[logW.length];
    for (int r = 0; r < rows; r++) {
      int base = r * k;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        max = Math.max(max, logW[base + j]);
      }
      double sum = 0;
      for (int j = 0; j < k; j++) {
        out[base + j] = Math.exp(logW[base + j] - max);
        sum += out[base + j];
      }
      for (int j = 0; j < k; j++) {
        out[base + j] /= sum;
      }
    }
    return out;
  }

  /**
   * VIMCO's per-sample learning signals L - L_{-j} (Mnih and Rezende 2016), with L = log (1/k)
   * sum_i w_i and L_{-j} = log (1/k) (sum_{i != j} w_i + w^_{-j}), where w^_{-j} = exp(mean_{i !=
   * j} log w_i) is the geometric mean of the other weights. O(k) per row: the sums without sample j
   * are shifted by the largest other weight, so a dominant sample loses no precision.
   *
   * @param k samples per row, >= 2
   * @return [rows, k] row-major, nats
   */
  public static double[] vimcoSignals(double[] logW, int rows, int k) {
    check(logW, rows, k);
    if (k < 2) {
      throw new IllegalArgumentException("VIMCO needs k >= 2, got " + k);
    }
    double[] out = new double[logW.length];
    double logK = Math.log(k);
    for (int r = 0; r < rows; r++) {
      int base = r * k;
      int argMax = base;
      double sumLog = 0;
      for (int j = base; j < base + k; j++) {
        if (logW[j] > logW[argMax]) {
          argMax = j;
        }
        sumLog += logW[j];
      }
      double max = logW[argMax];
      double second = Double.NEGATIVE_INFINITY;
      double sumShifted = 0; // sum_i exp(log w_i - max) >= 1
      for (int j = base; j < base + k; j++) {
        sumShifted += Math.exp(logW[j] - max);
        if (j != argMax) {
          second = Math.max(second, logW[j]);
        }
      }
      double sumWithoutMax = 0; // sum_{i != argMax} exp(log w_i - second) >= 1
      for (int j = base; j < base + k; j++) {
        if (j != argMax) {
          sumWithoutMax += Math.exp(logW[j] - second);
        }
      }
      double bound = max + Math.log(sumShifted) - logK;
      for (int j = base; j < base + k; j++) {
        // log sum_{i != j} w_i, shifted by the largest of the other weights
        double logOthers =
            j == argMax
                ? second + Math.log(sumWithoutMax)
                : max + Math.log(sumShifted - Math.exp(logW[j] - max));
        double logGeometric = (sumLog - logW[j]) / (k - 1);
        double hi = Math.max(logOthers, logGeometric);
        double lo = Math.min(logOthers, logGeometric);
        double leaveOneOut = hi + Math.log1p(Math.exp(lo - hi)) - logK;
        out[j] = bound - leaveOneOut;
      }
    }
    return out;
  }

  /** log (1/k) sum_j w_j per row, max-shifted: [rows] nats. */
  public static double[] logMeanExp(double[] logW, int rows, int k) {
    check(logW, rows, k);
    double[] out = new double[rows];
    for (int r = 0; r < rows; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        max = Math.max(max, logW[r * k + j]);
      }
      double sum = 0;
      for (int j = 0; j < k; j++) {
        sum += Math.exp(logW[r * k + j] - max);
      }
      out[r] = max + Math.log(sum / k);
    }
    return out;
  }

  private static void check(double[] logW, int rows, int k) {
    if (rows < 1 || k < 1 || logW.length != (long) rows * k) {
      throw new IllegalArgumentException(
          "logW has " + logW.length + " values, [" + rows + ", " + k + "] expected");
    }
  }
}
