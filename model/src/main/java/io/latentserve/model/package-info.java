/**
 * The VAE family as plain values: architectures, weights, tensors and counter-based noise. Depends
 * on the JDK alone, so that every service and adapter can share it.
 */
package io.latentserve.model;
