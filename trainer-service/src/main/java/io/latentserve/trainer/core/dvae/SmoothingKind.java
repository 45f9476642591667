package io.latentserve.trainer.core.dvae;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The smoothings of the DVAE family by name, with the sharpness beta the original code (QuadrantAI
 * dvae, run.py) uses on binarized MNIST for each structure and objective.
 */
public enum SmoothingKind {
  /** DVAE's spike-and-exponential (Rolfe 2017); trains the ELBO only. */
  SPIKE_EXP("spike-exp"),
  /** The overlapping exponential (DVAE++, and DVAE#'s "exp"). */
  EXP("exp"),
  /** The power-function smoothing (DVAE++ and DVAE#). */
  POWER("power"),
  /** 0.95 exponential + 0.05 uniform (DVAE#). */
  UNIFORM_EXP("uniform-exp"),
  /** N(z, 1/beta), not truncated (DVAE#). */
  GAUSSIAN("gaussian");

  private final String cliName;

  SmoothingKind(String cliName) {
    this.cliName = cliName;
  }

  /** The name in the CLI and the spec JSON, e.g. "spike-exp". */
  public String cliName() {
    return cliName;
  }

  /**
   * The kind named {@code name} ({@link #cliName()}).
   *
   * @throws IllegalArgumentException naming the known smoothings
   */
  public static SmoothingKind byName(String name) {
    for (SmoothingKind kind : values()) {
      if (kind.cliName.equals(name)) {
        return kind;
      }
    }
    throw new IllegalArgumentException(
        "unknown smoothing \""
            + name
            + "\", expected one of "
            + Arrays.stream(values())
                .map(SmoothingKind::cliName)
                .collect(Collectors.joining(", ")));
  }

  /**
   * The original code's beta for this smoothing on binarized MNIST (MODEL-FAMILIES.md section 3):
   *
   * <pre>
   *                  spike  pp_exp pp_power gauss exp unexp power
   * 1-layer-lin        5      12      40     40   12   40    40
   * 1-layer-nonlin     5      14      30     30   12   30    40
   * 2/4-layer-nonlin   4      10      30     25   10   16    30
   * </pre>
   *
   * @param sharp whether the objective is DVAE#'s (the columns after pp_power), else DVAE/DVAE++
   * @param linear whether the networks have no hidden layers (1-layer-lin)
   * @param layers the number of latent layers (the structures' 1, 2 or 4)
   */
  public double defaultBeta(boolean sharp, boolean linear, int layers) {
    int row = layers > 1 ? 2 : linear ? 0 : 1;
    double[] column =
        switch (this) {
          case SPIKE_EXP -> new double[] {5, 5, 4};
          case EXP -> sharp ? new double[] {12, 12, 10} : new double[] {12, 14, 10};
          case POWER -> sharp ? new double[] {40, 40, 30} : new double[] {40, 30, 30};
          case UNIFORM_EXP -> new double[] {40, 30, 16};
          case GAUSSIAN -> new double[] {40, 30, 25};
        };
    return column[row];
  }
}
