/**
 * The ONNX Runtime adapter: {@link io.latentserve.inference.onnx.OnnxGraphRunner} executes a
 * bundle's graphs on the CPU or a CUDA device. Depends on {@code io.latentserve.inference.core},
 * {@code io.latentserve.bundle} and {@code ai.onnxruntime}; ONNX Runtime types and exceptions do
 * not leave this package.
 */
package io.latentserve.inference.onnx;
