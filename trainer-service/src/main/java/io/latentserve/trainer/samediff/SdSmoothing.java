package io.latentserve.trainer.samediff;

import io.latentserve.trainer.core.dvae.ExponentialSmoothing;
import io.latentserve.trainer.core.dvae.GaussianSmoothing;
import io.latentserve.trainer.core.dvae.PowerSmoothing;
import io.latentserve.trainer.core.dvae.Smoothing;
import io.latentserve.trainer.core.dvae.SpikeExp;
import io.latentserve.trainer.core.dvae.UniformExpSmoothing;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The log densities log r(zeta|0) and log r(zeta|1) of a {@link Smoothing} as SameDiff ops,
 * differentiable in zeta, elementwise; the formulas of the plain-Java smoothings, which the tests
 * compare them with.
 */
final class SdSmoothing {
  private final Smoothing smoothing;

  SdSmoothing(Smoothing smoothing) {
    if (smoothing instanceof SpikeExp) {
      throw new IllegalArgumentException("spike-exp has no density at zeta = 0: not overlapping");
    }
    this.smoothing = smoothing;
  }

  /** log r(zeta|0). */
  SDVariable logR0(SDVariable zeta) {
    SameDiff sd = zeta.getSameDiff();
    double beta = smoothing.beta();
    if (smoothing instanceof ExponentialSmoothing) {
      return exponential(zeta, beta);
    }
    if (smoothing instanceof PowerSmoothing) {
      return sd.math()
          .log(zeta.add(PowerSmoothing.EPSILON))
          .mul(1 / beta - 1)
          .add(Math.log(1 / beta));
    }
    if (smoothing instanceof UniformExpSmoothing) {
      return sd.math()
          .log(
              sd.math()
                  .exp(exponential(zeta, beta))
                  .mul(1 - UniformExpSmoothing.UNIFORM_WEIGHT)
                  .add(UniformExpSmoothing.UNIFORM_WEIGHT));
    }
    if (smoothing instanceof GaussianSmoothing) {
      return zeta.mul(zeta).mul(-0.5 * beta).add(0.5 * Math.log(beta / (2 * Math.PI)));
    }
    throw new IllegalStateException("no density for " + smoothing);
  }

  /** log r(zeta|1) = log r(1 - zeta|0) for every overlapping smoothing here. */
  SDVariable logR1(SDVariable zeta) {
    return logR0(zeta.rsub(1.0));
  }

  private static SDVariable exponential(SDVariable zeta, double beta) {
    return zeta.mul(-beta).add(Math.log(beta) - Math.log(-Math.expm1(-beta)));
  }
}
