package io.latentserve.server.security;

import java.util.Locale;

/**
 * What a bearer token allows. Roles do not imply one another: a token that trains and reads carries
 * both ({@code train,read} in the tokens file), so that a file says plainly what each token may do.
 */
public enum Role {
  /** Inference RPCs and every Get/List/Watch: reads models, jobs and evaluations. */
  READ,
  /** Starts (and cancels) evaluations, which spend the evaluator's and inference's compute. */
  EVALUATE,
  /** Submits and cancels training jobs, and so publishes model versions. */
  TRAIN;

  /** The name as the tokens file and error messages write it: {@code read}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * A role by its label, in any case.
   *
   * @throws IllegalArgumentException naming the accepted labels
   */
  public static Role parse(String label) {
    for (Role r : values()) {
      if (r.label().equalsIgnoreCase(label)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "unknown role \"" + label + "\": expected read, evaluate or train");
  }
}
