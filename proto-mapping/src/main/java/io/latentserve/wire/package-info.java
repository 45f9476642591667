/**
 * The one mapping between the wire ({@code latentserve.v1} messages) and the project's values: the
 * tensor codec ({@link io.latentserve.wire.TensorCodec}), the description of a model ({@link
 * io.latentserve.wire.ModelInfos}) and the skeleton of every service's error mapping ({@link
 * io.latentserve.wire.ErrorStatuses}). Depends on the generated proto classes, {@code io.grpc}'s
 * API, {@code io.latentserve.model} and {@code io.latentserve.bundle}; knows no service.
 */
package io.latentserve.wire;
