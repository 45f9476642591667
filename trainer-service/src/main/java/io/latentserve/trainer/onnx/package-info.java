/**
 * The ONNX outbound adapter of the trainer: {@link io.latentserve.trainer.onnx.OnnxModelExporter}
 * writes a trained model's bundle graphs with {@code io.latentserve.bundle.onnx}. Depends on {@link
 * io.latentserve.trainer.core} and the onnx-export module.
 */
package io.latentserve.trainer.onnx;
