package io.latentserve.inference.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How the model registry chooses and holds versions.
 *
 * @param defaultPolicy version policy of a model without a {@value VersionPolicy#FILE_NAME} file in
 *     its folder of the repository (the file wins: whoever publishes a model knows best which of
 *     its versions matter)
 * @param memoryBudgetBytes most bytes the loaded versions may hold together, as measured when each
 *     loaded; 0 for no limit. Over it, the least recently used versions without calls in flight are
 *     unloaded. With a limit, the repository scan loads a newly served version at once only when an
 *     older version of the same model is loaded (a new version replaces the old one without a cold
 *     start); every other version loads on its first request.
 * @param loadWait longest a request waits for its version to load when it has no deadline of its
 *     own
 */
public record RegistryConfig(
    VersionPolicy defaultPolicy, long memoryBudgetBytes, Duration loadWait) {
  /** Latest version only, no memory limit, 60 s load wait. */
  public static final RegistryConfig DEFAULT =
      new RegistryConfig(VersionPolicy.DEFAULT, 0, Duration.ofSeconds(60));

  public RegistryConfig {
    Objects.requireNonNull(defaultPolicy, "defaultPolicy");
    Objects.requireNonNull(loadWait, "loadWait");
    if (memoryBudgetBytes < 0) {
      throw new IllegalArgumentException(
          "memoryBudgetBytes must be >= 0 (0: no limit), got " + memoryBudgetBytes);
    }
    if (loadWait.isNegative() || loadWait.isZero()) {
      throw new IllegalArgumentException("loadWait must be > 0, got " + loadWait);
    }
  }
}
