/**
 * The evaluator's domain: the {@link io.latentserve.evaluator.core.InferenceClient} port, the
 * estimators of the literature (importance-weighted log-likelihood, ELBO, rates, active units,
 * mutual information, MMD), the evaluation pipeline and the {@link
 * io.latentserve.evaluator.core.EvaluationService} that starts, tracks and cancels evaluations.
 * Depends on the JDK, SLF4J and {@code io.latentserve.model} only: no gRPC, no generated proto
 * classes.
 */
package io.latentserve.evaluator.core;
