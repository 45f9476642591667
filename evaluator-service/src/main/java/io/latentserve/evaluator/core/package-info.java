/**
 * The evaluator's domain: the {@link io.latentserve.evaluator.core.InferenceClient} port, the
 * estimators of the literature (importance-weighted log-likelihood, ELBO, rates, active units,
 * mutual information, MMD) and the evaluation pipeline. Depends on the JDK and {@code
 * io.latentserve.model} only: no gRPC, no generated proto classes.
 */
package io.latentserve.evaluator.core;
