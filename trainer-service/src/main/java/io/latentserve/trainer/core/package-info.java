/**
 * The trainer's domain: objectives, jobs and their lifecycle, the training loop, checkpoints, and
 * the ports ({@link io.latentserve.trainer.core.TrainingBackend}, {@link
 * io.latentserve.trainer.core.TrainableVae}) that an engine implements. Depends on the JDK, {@code
 * io.latentserve.model}, {@code io.latentserve.bundle} and {@code io.latentserve.datasets}; never
 * on gRPC, generated protos or ND4J.
 */
package io.latentserve.trainer.core;
