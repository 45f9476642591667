/**
 * Dynamic batching: {@link io.latentserve.inference.batching.BatchingGraphRunner} merges concurrent
 * runs of the same graph into one engine call. Depends on {@code io.latentserve.inference.core}
 * only; metrics leave through {@link io.latentserve.inference.batching.BatchListener}.
 */
package io.latentserve.inference.batching;
