package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.Objects;
import java.util.Optional;

/**
 * Log importance weights of k samples for each of N rows, in sample order, with their components
 * when asked for. log w = log p(x|z) + log p(z) - log q(z|x), nats.
 *
 * @param logWeights [N, k] float32
 * @param logPxGivenZ [N, k] float32, when components were asked for
 * @param logPz [N, k] float32, when components were asked for
 * @param logQzGivenX [N, k] float32, when components were asked for
 */
public record ImportanceWeights(
    FloatTensor logWeights,
    Optional<FloatTensor> logPxGivenZ,
    Optional<FloatTensor> logPz,
    Optional<FloatTensor> logQzGivenX) {
  public ImportanceWeights {
    Objects.requireNonNull(logWeights, "logWeights");
    Objects.requireNonNull(logPxGivenZ, "logPxGivenZ");
    Objects.requireNonNull(logPz, "logPz");
    Objects.requireNonNull(logQzGivenX, "logQzGivenX");
    if (logWeights.rank() != 2) {
      throw new IllegalArgumentException("logWeights must be [N, k], got " + logWeights);
    }
    boolean any = logPxGivenZ.isPresent() || logPz.isPresent() || logQzGivenX.isPresent();
    boolean all = logPxGivenZ.isPresent() && logPz.isPresent() && logQzGivenX.isPresent();
    if (any && !all) {
      throw new IllegalArgumentException("components come all together or not at all");
    }
    if (all) {
      for (FloatTensor t : new FloatTensor[] {logPxGivenZ.get(), logPz.get(), logQzGivenX.get()}) {
        if (!java.util.Arrays.equals(t.shape(), logWeights.shape())) {
          throw new IllegalArgumentException(
              "components must have the shape of logWeights " + logWeights + ", got " + t);
        }
      }
    }
  }

  /** Weights without components. */
  public static ImportanceWeights of(FloatTensor logWeights) {
    return new ImportanceWeights(logWeights, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public int rows() {
    return (int) logWeights.dim(0);
  }

  public int samples() {
    return (int) logWeights.dim(1);
  }

  public boolean hasComponents() {
    return logPxGivenZ.isPresent();
  }
}
