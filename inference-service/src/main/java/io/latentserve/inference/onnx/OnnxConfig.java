package io.latentserve.inference.onnx;

import java.util.Objects;

/**
 * How ONNX Runtime runs a bundle.
 *
 * @param device {@code auto} (CUDA where a GPU is visible, else the CPU), {@code cpu}, or {@code
 *     cuda:N} (CUDA device N; fails if CUDA cannot start); see {@link OnnxDevice#parse}
 * @param intraOpThreads threads one graph run may use, >= 1
 * @param cpuRunSamples on the CPU, most samples one engine call evaluates, >= 1: a row of a
 *     per-sample input [N, K, d] counts K samples, a row of [N, d] one. Larger runs are split into
 *     consecutive row ranges, so that each call's intermediate tensors stay in the caches (a
 *     decoder output [samples, 784] float32 of 4096 samples is 12.8 MB). Not applied on CUDA, where
 *     every call pays for its copies to and from the device.
 * @param maxPooledBufferBytes most bytes of input direct buffers the process keeps for reuse (one
 *     pool for every loaded model with this cap, so that an idle model holds no buffers)
 * @param sharedThreads whether sessions run on the process's global ONNX Runtime thread pools
 *     (created by the first model loaded, with its {@code intraOpThreads}) rather than each on its
 *     own pool: many loaded models then cost no threads each
 * @param cpuArena whether sessions allocate CPU memory from ONNX Runtime's growing arena (fast
 *     reuse, but each session's arena keeps its high-water mark for the model's lifetime) rather
 *     than from the system allocator
 */
public record OnnxConfig(
    OnnxDevice device,
    int intraOpThreads,
    int cpuRunSamples,
    long maxPooledBufferBytes,
    boolean sharedThreads,
    boolean cpuArena) {
  /** Direct-buffer bytes the process keeps for reuse by default. */
  public static final long DEFAULT_MAX_POOLED_BUFFER_BYTES = 64L << 20;

  /** Shared pools by default (see {@link #sharedThreads}). */
  public static final boolean DEFAULT_SHARED_THREADS = true;

  /** The arena by default: see bench/RESULTS.md, "Many models", for the measurement. */
  public static final boolean DEFAULT_CPU_ARENA = false;

  /**
   * Samples per CPU engine call by default: measured on the 1-layer IWAE log-weights graph (2
   * cores, AVX-512), runs of 1,000 to 4,000 samples cost 15 to 20% less per sample than runs of
   * 65,536, and shorter runs pay more per-call overhead.
   */
  public static final int DEFAULT_CPU_RUN_SAMPLES = 4096;

  public OnnxConfig {
    Objects.requireNonNull(device, "device");
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
    }
    if (cpuRunSamples < 1) {
      throw new IllegalArgumentException("cpuRunSamples must be >= 1, got " + cpuRunSamples);
    }
    if (maxPooledBufferBytes < 0) {
      throw new IllegalArgumentException(
          "maxPooledBufferBytes must be >= 0, got " + maxPooledBufferBytes);
    }
  }

  /** {@code device} with {@code intraOpThreads} threads, {@code cpuRunSamples}, the defaults. */
  public OnnxConfig(OnnxDevice device, int intraOpThreads, int cpuRunSamples) {
    this(
        device,
        intraOpThreads,
        cpuRunSamples,
        DEFAULT_MAX_POOLED_BUFFER_BYTES,
        DEFAULT_SHARED_THREADS,
        DEFAULT_CPU_ARENA);
  }

  /** {@code device} with {@code intraOpThreads} threads and {@link #DEFAULT_CPU_RUN_SAMPLES}. */
  public OnnxConfig(OnnxDevice device, int intraOpThreads) {
    this(device, intraOpThreads, DEFAULT_CPU_RUN_SAMPLES);
  }

  /** {@code auto}, one intra-op thread per available processor. */
  public static OnnxConfig defaults() {
    return new OnnxConfig(OnnxDevice.parse("auto"), Runtime.getRuntime().availableProcessors());
  }
}
