package io.latentserve.inference.core;

import io.latentserve.model.VaeWeights;

/**
 * The contract for {@link SeededVaeModel} over a reference runner that asks for rows aligned to 4,
 * as an engine with alignment-dependent rounding would: the padding of rows and samples must not
 * change any number.
 */
class SeededVaeModelAlignedContractTest extends VaeModelContract {
  @Override
  protected VaeModel open(VaeWeights weights, ModelLimits limits) {
    return new SeededVaeModel(
        TestModels.ID, weights.architecture(), new ReferenceGraphRunner(weights, 4), limits);
  }
}
