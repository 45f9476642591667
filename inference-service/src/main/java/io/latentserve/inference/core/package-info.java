/**
 * The inference core: the {@link io.latentserve.inference.core.VaeModel} port that serves one model
 * version, the {@link io.latentserve.inference.core.GraphRunner} port that executes a bundle's
 * graphs, the served-model catalogue ({@link io.latentserve.inference.core.ModelCatalog}, kept
 * current from the repository by {@link io.latentserve.inference.core.ModelRegistry} through the
 * {@link io.latentserve.inference.core.ModelLoader} port), counter-based noise, input validation
 * and limits. Depends on {@code io.latentserve.model} and {@code io.latentserve.bundle} only: no
 * gRPC, no generated protos, no ONNX Runtime.
 */
package io.latentserve.inference.core;
