/**
 * The gRPC inbound adapter of the inference service: maps {@code latentserve.v1} messages, and the
 * Open Inference Protocol v2 ({@code inference.GRPCInferenceService}, KServe) onto the same calls,
 * to core values, calls the core and maps results and errors back. Depends on {@code io.grpc}, the
 * generated protos and {@link io.latentserve.inference.core}; holds no math and no ONNX Runtime
 * calls.
 */
package io.latentserve.inference.grpc;
