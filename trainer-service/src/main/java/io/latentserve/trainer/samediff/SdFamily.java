package io.latentserve.trainer.samediff;

import io.latentserve.model.LatentFamily;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The SameDiff pieces of one {@link LatentFamily}: a sample from the parameters and one noise draw
 * per unit, and the log density summed over the units, with the formulas of the family's reference
 * implementation. Parameters come in {@link LatentFamily#parameterNames()} order and broadcast
 * against z and the noise.
 */
abstract class SdFamily {
  private static final Map<LatentFamily, SdFamily> FAMILIES =
      Map.of(LatentFamily.GAUSSIAN, new Gaussian(), LatentFamily.BERNOULLI, new Bernoulli());

  /** The pieces of {@code family}. */
  static SdFamily of(LatentFamily family) {
    SdFamily f = FAMILIES.get(family);
    if (f == null) {
      throw new IllegalArgumentException("the trainer has no graph for the family " + family);
    }
    return f;
  }

  /** The sample of the family's noise {@code eps}. */
  abstract SDVariable sample(SDVariable[] parameters, SDVariable eps);

  /** log density (mass) of z, summed over {@code axis} of size d, nats. */
  abstract SDVariable logDensity(SDVariable z, SDVariable[] parameters, int axis, int d);

  /** z = mean + exp(logvar / 2) eps. */
  private static final class Gaussian extends SdFamily {
    @Override
    SDVariable sample(SDVariable[] p, SDVariable eps) {
      SameDiff sd = eps.getSameDiff();
      return p[0].add(sd.math().exp(p[1].mul(0.5)).mul(eps));
    }

    @Override
    SDVariable logDensity(SDVariable z, SDVariable[] p, int axis, int d) {
      return SdMath.gaussianLogDensity(z, p[0], p[1], axis, d);
    }
  }

  /**
   * z = 1[l + eps > 0] (a step, whose gradient is zero: samples are constants), log mass sum z l -
   * softplus(l).
   */
  private static final class Bernoulli extends SdFamily {
    @Override
    SDVariable sample(SDVariable[] p, SDVariable eps) {
      SameDiff sd = eps.getSameDiff();
      return sd.math().step(p[0].add(eps), 0.0);
    }

    @Override
    SDVariable logDensity(SDVariable z, SDVariable[] p, int axis, int d) {
      return SdMath.sum(z.mul(p[0]).sub(SdMath.softplus(p[0])), axis, d, false);
    }
  }
}
