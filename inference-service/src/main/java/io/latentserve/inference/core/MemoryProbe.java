package io.latentserve.inference.core;

/**
 * Reads how much memory this process holds, to measure what loading one model costs.
 * Implementations are thread-safe.
 */
@FunctionalInterface
public interface MemoryProbe {
  /** Resident set size of this process, bytes; 0 where it cannot be read. */
  long residentBytes();
}
