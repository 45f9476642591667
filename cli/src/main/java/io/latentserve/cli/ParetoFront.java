package io.latentserve.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The Pareto front of the mutual-information / consistency plane: the points no other point beats,
 * maximising mutual information I(x;z) and minimising consistency (NLL + KL), both in nats.
 */
final class ParetoFront {
  private ParetoFront() {}

  /**
   * Whether each point is on the front: no other point has consistency <= its own and mutual
   * information >= its own with one of the two strict. Points with a non-finite coordinate are
   * never on it and never dominate.
   *
   * @param consistency per point, nats (lower is better)
   * @param mi per point, nats (higher is better)
   */
  static boolean[] onFront(double[] consistency, double[] mi) {
    int n = consistency.length;
    if (mi.length != n) {
      throw new IllegalArgumentException("consistency has " + n + " points, mi has " + mi.length);
    }
    boolean[] front = new boolean[n];
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(consistency[i]) || !Double.isFinite(mi[i])) {
        continue;
      }
      boolean dominated = false;
      for (int j = 0; j < n && !dominated; j++) {
        if (j == i || !Double.isFinite(consistency[j]) || !Double.isFinite(mi[j])) {
          continue;
        }
        boolean noWorse = consistency[j] <= consistency[i] && mi[j] >= mi[i];
        boolean better = consistency[j] < consistency[i] || mi[j] > mi[i];
        dominated = noWorse && better;
      }
      front[i] = !dominated;
    }
    return front;
  }

  /** The indices of the front's points in order of increasing consistency. */
  static List<Integer> ordered(double[] consistency, double[] mi) {
    boolean[] front = onFront(consistency, mi);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < front.length; i++) {
      if (front[i]) {
        out.add(i);
      }
    }
    out.sort((a, b) -> Double.compare(consistency[a], consistency[b]));
    return out;
  }
}
