/**
 * The inference-service application: its configuration, the model registry with hot reload, the
 * gRPC server lifecycle with health, reflection and metrics, and {@code main}. The only layer that
 * knows every other one: it wires the ONNX and batching adapters into the core and the core behind
 * the gRPC service.
 */
package io.latentserve.inference.app;
