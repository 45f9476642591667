/**
 * The training engine on Deeplearning4j SameDiff: the VAE graph of an architecture with each
 * objective's loss, Adam, and weight extraction into {@link io.latentserve.model.VaeWeights}. An
 * outbound adapter: depends on {@code io.latentserve.trainer.core} and ND4J, and on nothing of
 * gRPC.
 */
package io.latentserve.trainer.samediff;
