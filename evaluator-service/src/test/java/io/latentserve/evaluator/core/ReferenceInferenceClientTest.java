package io.latentserve.evaluator.core;

import io.latentserve.model.VaeWeights;

class ReferenceInferenceClientTest extends InferenceClientContract {
  @Override
  protected InferenceClient startClient(String name, VaeWeights weights) {
    return ReferenceInferenceClient.of(name, 1, weights);
  }
}
