/**
 * The inbound gRPC adapter: {@link io.latentserve.evaluator.grpc.EvaluatorGrpcService} validates
 * requests, maps them to the core's values, calls the {@code EvaluationService} and streams
 * progress and the report back. Depends on core, report, the generated protos and grpc-java; no
 * math here.
 */
package io.latentserve.evaluator.grpc;
