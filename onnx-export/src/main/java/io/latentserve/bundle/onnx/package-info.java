/**
 * Writes the ONNX graphs of a VAE bundle from {@link io.latentserve.model.VaeWeights}, with
 * Tribuo's ONNX builder, or around an encoder and a decoder imported from another framework ({@link
 * io.latentserve.bundle.onnx.ImportedVae}). Shared by the trainer's export, {@code bundle import},
 * tests and demos; no inference engine (the import's self-check reaches one through {@link
 * io.latentserve.bundle.onnx.OnnxExecutor}).
 */
package io.latentserve.bundle.onnx;
