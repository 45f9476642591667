package io.latentserve.trainer.core;

import io.latentserve.model.VaeWeights;
import java.util.Map;
import java.util.Objects;

/**
 * A finished run: the trained weights and the final metrics (nats per example), e.g. {@code
 * train_loss}, {@code train_iwae_k5}, {@code validation_iwae_k5000}.
 */
public record TrainingResult(VaeWeights weights, Map<String, Double> metrics) {
  public TrainingResult {
    Objects.requireNonNull(weights, "weights");
    metrics = Map.copyOf(metrics);
  }
}
