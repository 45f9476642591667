/**
 * The Trainer gRPC service: validates requests, maps {@code latentserve.v1} messages to the core's
 * values and back, and maps the core's exceptions to statuses. An inbound adapter: depends on
 * {@code io.latentserve.trainer.core}, the generated protos and {@code io.grpc}; never on ND4J.
 */
package io.latentserve.trainer.grpc;
