package io.latentserve.evaluator.core;

/**
 * A streaming, overflow-free log((1/n) sum_i exp(a_i)): the running maximum shifts every term, and
 * the sum is rescaled whenever a larger value arrives. Values of -infinity (zero weights) are
 * allowed; NaN and +infinity are rejected.
 */
final class LogMeanExp {
  private double max = Double.NEGATIVE_INFINITY;
  private double sum;
  private long count;

  void add(double a) {
    if (Double.isNaN(a) || a == Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException("log weight must be finite or -infinity, got " + a);
    }
    count++;
    if (a == Double.NEGATIVE_INFINITY) {
      return;
    }
    if (a <= max) {
      sum += Math.exp(a - max);
    } else {
      sum = sum * Math.exp(max - a) + 1;
      max = a;
    }
  }

  long count() {
    return count;
  }

  /** log of the sum of exp(a_i); -infinity when empty or every value was -infinity. */
  double logSumExp() {
    return sum == 0 ? Double.NEGATIVE_INFINITY : max + Math.log(sum);
  }

  /** log of the mean of exp(a_i). */
  double value() {
    if (count == 0) {
      throw new IllegalStateException("no values");
    }
    return logSumExp() - Math.log(count);
  }
}
