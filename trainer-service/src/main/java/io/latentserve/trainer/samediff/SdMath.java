package io.latentserve.trainer.samediff;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * Numerically stable building blocks written from elementary SameDiff ops. The library's own {@code
 * softplus} overflows for large inputs, the gradient of its {@code logSumExp} is NaN, and {@code
 * logSoftmax(x, dim)} breaks gradient creation, so none of them is used.
 */
final class SdMath {
  static final double LOG_2PI = Math.log(2 * Math.PI);

  private SdMath() {}

  /** The same values with a zero gradient. */
  static SDVariable stopGradient(SDVariable x) {
    SameDiff sd = x.getSameDiff();
    return new StopGradient(sd, x).outputVariable();
  }

  /**
   * Sum over {@code axis}, whose size is known to be {@code size}. A size-1 axis is squeezed (or
   * kept) instead of reduced: ND4J's executor turns reductions of vector-shaped arrays over a
   * size-1 axis into a no-op that fails inside SameDiff.
   */
  static SDVariable sum(SDVariable x, int axis, long size, boolean keepDims) {
    if (size == 1) {
      return keepDims ? x : x.getSameDiff().squeeze(x, axis);
    }
    return x.sum(keepDims, axis);
  }

  /**
   * log(1 + exp(x)) = relu(x) + log1p(exp(-|x|)): finite for every finite x. -|x| is written x - 2
   * relu(x) so that the gradient at x = 0 is 1/2 (with abs, whose gradient at 0 is 0, it would be
   * 0).
   */
  static SDVariable softplus(SDVariable x) {
    SameDiff sd = x.getSameDiff();
    SDVariable relu = sd.nn().relu(x, 0);
    return relu.add(sd.math().log1p(sd.math().exp(x.sub(relu.mul(2)))));
  }

  /**
   * log mean_i exp(x_i) along {@code axis} (the rank drops by one), shifted by the maximum, which
   * is held out of the gradient: the gradient is then the softmax of x, exactly.
   */
  static SDVariable logMeanExp(SDVariable x, int axis, long size) {
    SameDiff sd = x.getSameDiff();
    if (size == 1) {
      return sd.squeeze(x, axis);
    }
    SDVariable max = stopGradient(sd.max(x, true, axis));
    SDVariable shifted = sd.math().exp(x.sub(max));
    return sd.squeeze(sd.math().log(sd.mean(shifted, true, axis)).add(max), axis);
  }

  /**
   * Sum over the last axis {@code axis} (of size d) of the diagonal-Gaussian log density log N(z;
   * mean, exp(logVar)), in the form -0.5 (d log 2 pi + sum logVar + sum (z - mean)^2 exp(-logVar)).
   */
  static SDVariable gaussianLogDensity(
      SDVariable z, SDVariable mean, SDVariable logVar, int axis, int d) {
    SameDiff sd = z.getSameDiff();
    SDVariable diff = z.sub(mean);
    SDVariable quadratic = diff.mul(diff).mul(sd.math().exp(logVar.neg()));
    return sum(quadratic.add(logVar), axis, d, false).add(d * LOG_2PI).mul(-0.5);
  }

  /** Squared Euclidean distances between the rows of a [n, d] and b [m, d]: [n, m]. */
  static SDVariable squaredDistances(SDVariable a, SDVariable b, int d) {
    SameDiff sd = a.getSameDiff();
    SDVariable aa = sum(a.mul(a), 1, d, true);
    SDVariable bb = sum(b.mul(b), 1, d, true);
    SDVariable ab = sd.mmul(a, b, false, true, false);
    return aa.add(sd.transpose(bb)).sub(ab.mul(2));
  }

  /**
   * The (biased, V-statistic) squared maximum mean discrepancy between the samples a [n, d] and b
   * [m, d] under the kernel k(u, v) = exp(-|u - v|^2 / d^2): mean k(a, a) + mean k(b, b) - 2 mean
   * k(a, b), as in the InfoVAE reference code.
   */
  static SDVariable mmd(SDVariable a, SDVariable b, int d) {
    SameDiff sd = a.getSameDiff();
    double scale = -1.0 / ((double) d * d);
    SDVariable kaa = sd.math().exp(squaredDistances(a, a, d).mul(scale)).mean();
    SDVariable kbb = sd.math().exp(squaredDistances(b, b, d).mul(scale)).mean();
    SDVariable kab = sd.math().exp(squaredDistances(a, b, d).mul(scale)).mean();
    return kaa.add(kbb).sub(kab.mul(2));
  }
}
