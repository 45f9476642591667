package io.latentserve.evaluator.core;

/**
 * Fano's inequality as a ceiling on classification accuracy (HIT's evaluation, item 7): any
 * classifier of a K-class label L from z errs with probability Pe satisfying
 *
 * <pre>H(L|z) = H(L) - I(z; L) <= h_b(Pe) + Pe log(K - 1)</pre>
 *
 * so its accuracy is at most 1 - Pe*, where Pe* solves h_b(Pe) + Pe log(K - 1) = H(L) - I on [0, (K
 * - 1)/K], where the left side rises from 0 to log K.
 */
public final class FanoBound {
  private FanoBound() {}

  /**
   * The accuracy ceiling.
   *
   * @param information I(z; L), nats (an estimate: the ceiling is as good as it)
   * @param labelEntropy H(L), nats, at most log K
   * @param classes K >= 2
   * @return the largest accuracy Fano's inequality allows, in [1/K, 1]: 1 when I >= H(L)
   */
  public static double accuracyCeiling(double information, double labelEntropy, int classes) {
    if (classes < 2) {
      throw new IllegalArgumentException("Fano's bound needs K >= 2 classes, got " + classes);
    }
    double target = labelEntropy - information;
    if (!(target > 0)) {
      return 1;
    }
    double lo = 0;
    double hi = (classes - 1) / (double) classes;
    if (target >= errorEntropy(hi, classes)) {
      return 1 - hi;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
      double mid = 0.5 * (lo + hi);
      if (errorEntropy(mid, classes) < target) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 1 - 0.5 * (lo + hi);
  }

  /** h_b(p) + p log(K - 1), nats. */
  static double errorEntropy(double p, int classes) {
    double h = 0;
    if (p > 0) {
      h -= p * Math.log(p);
    }
    if (p < 1) {
      h -= (1 - p) * Math.log(1 - p);
    }
    return h + p * Math.log(classes - 1);
  }
}
