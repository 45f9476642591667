package io.latentserve.trainer.core.dvae;

/**
 * A smoothing whose r(zeta|1) is r(zeta|0) reflected about 1/2 on [0, 1], as the overlapping
 * smoothings of DVAE++ and DVAE# are: r(zeta|1) = r(1 - zeta|0), R1(zeta) = 1 - R0(1 - zeta). An
 * implementation states r(.|0) alone.
 */
sealed interface MirroredSmoothing extends Smoothing
    permits ExponentialSmoothing, PowerSmoothing, UniformExpSmoothing {
  @Override
  default double logR1(double zeta) {
    return logR0(1 - zeta);
  }

  @Override
  default double cdf1(double zeta) {
    return 1 - cdf0(1 - zeta);
  }
}
