/**
 * Writes the ONNX graphs of a VAE bundle from {@link io.latentserve.model.VaeWeights}, with
 * Tribuo's ONNX builder. Shared by the trainer's export and by tests and demos.
 */
package io.latentserve.bundle.onnx;
