/**
 * The outbound gRPC adapter: {@link io.latentserve.evaluator.client.GrpcInferenceClient} implements
 * the core's {@code InferenceClient} port over the Inference service, with client-side round-robin
 * load balancing over replicas, deadlines and bounded retries. Depends on core, the generated
 * protos and grpc-java.
 */
package io.latentserve.evaluator.client;
