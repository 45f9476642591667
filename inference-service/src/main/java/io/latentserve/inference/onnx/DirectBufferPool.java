package io.latentserve.inference.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A pool of native-order direct buffers for ONNX Runtime inputs, capped in bytes. Direct buffers
 * are handed to the engine without a copy, but are slow to allocate and freed only by the garbage
 * collector, so they are reused; the cap keeps what is held between requests bounded however large
 * the requests were (a buffer over the cap is used once and left to the collector).
 */
final class DirectBufferPool {
  /** The process's pools, one per cap: in a server every model has the same cap, so one pool. */
  private static final Map<Long, DirectBufferPool> SHARED = new ConcurrentHashMap<>();

  private final Deque<ByteBuffer> free = new ArrayDeque<>();
  private final long maxPooledBytes;
  private long pooledBytes;

  /**
   * @param maxPooledBytes most bytes of buffers kept for reuse, >= 0
   */
  DirectBufferPool(long maxPooledBytes) {
    if (maxPooledBytes < 0) {
      throw new IllegalArgumentException("maxPooledBytes must be >= 0, got " + maxPooledBytes);
    }
    this.maxPooledBytes = maxPooledBytes;
  }

  /**
   * The process-wide pool capped at {@code maxPooledBytes}, shared by every runner with that cap.
   */
  static DirectBufferPool shared(long maxPooledBytes) {
    return SHARED.computeIfAbsent(maxPooledBytes, DirectBufferPool::new);
  }

  /** A buffer of at least {@code floats} float32 values, cleared. */
  ByteBuffer acquire(int floats) {
    long bytes = 4L * floats;
    synchronized (this) {
      for (ByteBuffer b = free.pollFirst(); b != null; b = free.pollFirst()) {
        pooledBytes -= b.capacity();
        if (b.capacity() >= bytes) {
          b.clear();
          return b;
        }
        // Too small: drop it and let the collector free it; a larger one replaces it on release.
      }
    }
    // Round up so that slightly larger requests reuse the buffer.
    long capacity = Math.max(bytes, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
    return ByteBuffer.allocateDirect(Math.toIntExact(Math.min(capacity, Integer.MAX_VALUE - 8)))
        .order(ByteOrder.nativeOrder());
  }

  /** Copies {@code data} into the start of {@code buffer}; the view has exactly its length. */
  static FloatBuffer fill(ByteBuffer buffer, float[] data) {
    buffer.clear();
    FloatBuffer view = buffer.asFloatBuffer();
    view.put(data);
    view.flip();
    return view;
  }

  /** Returns a buffer for reuse; dropped when keeping it would pass the cap. */
  synchronized void release(ByteBuffer buffer) {
    if (pooledBytes + buffer.capacity() <= maxPooledBytes) {
      free.offerFirst(buffer);
      pooledBytes += buffer.capacity();
    }
  }

  /** Bytes of the buffers held for reuse now. */
  synchronized long pooledBytes() {
    return pooledBytes;
  }
}
