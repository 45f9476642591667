/**
 * The evaluator's process: {@link io.latentserve.evaluator.app.EvaluatorConfig}, the server
 * lifecycle ({@link io.latentserve.evaluator.app.EvaluatorServer}: gRPC with health, reflection and
 * metrics), {@link io.latentserve.evaluator.app.EvaluatorMain} and the wiring of every adapter.
 */
package io.latentserve.evaluator.app;
