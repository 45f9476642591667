package io.latentserve.inference.core;

import io.latentserve.model.VaeWeights;

/** The contract for {@link SeededVaeModel} over the plain-Java reference runner. */
class SeededVaeModelContractTest extends VaeModelContract {
  @Override
  protected VaeModel open(VaeWeights weights, ModelLimits limits) {
    return new SeededVaeModel(
        TestModels.ID, weights.architecture(), new ReferenceGraphRunner(weights), limits);
  }
}
