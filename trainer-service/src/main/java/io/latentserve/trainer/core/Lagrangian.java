package io.latentserve.trainer.core;

/**
 * The multipliers and constraint values of a Lagrangian objective (LagVAE; InfoVAE stated by its
 * constraints, whose multipliers are fixed at e1 and e2).
 *
 * @param consistencyMultiplier lambda1, on NLL + KL <= e1
 * @param mmdMultiplier lambda2, on 1e4 MMD <= e2
 * @param consistency NLL + KL (single-sample KL), nats per example
 * @param mmd 1e4 times the MMD V-statistic between the top layer's samples and prior draws
 */
public record Lagrangian(
    double consistencyMultiplier, double mmdMultiplier, double consistency, double mmd) {}
