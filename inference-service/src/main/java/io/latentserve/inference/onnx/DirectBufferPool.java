package io.latentserve.inference.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small pool of native-order direct buffers for ONNX Runtime inputs. Direct buffers are handed to
 * the engine without a copy, but are slow to allocate and freed only by the garbage collector, so
 * they are reused.
 */
final class DirectBufferPool {
  private final ConcurrentLinkedDeque<ByteBuffer> free = new ConcurrentLinkedDeque<>();
  private final AtomicInteger pooled = new AtomicInteger();
  private final int maxPooled;

  DirectBufferPool(int maxPooled) {
    this.maxPooled = maxPooled;
  }

  /** A buffer of at least {@code floats} float32 values, cleared. */
  ByteBuffer acquire(int floats) {
    long bytes = 4L * floats;
    for (ByteBuffer b = free.pollFirst(); b != null; b = free.pollFirst()) {
      pooled.decrementAndGet();
      if (b.capacity() >= bytes) {
        b.clear();
        return b;
      }
      // Too small: drop it and let the collector free it; a larger one replaces it on release.
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

  /** Returns a buffer for reuse; dropped when the pool is full. */
  void release(ByteBuffer buffer) {
    if (pooled.incrementAndGet() <= maxPooled) {
      free.offerFirst(buffer);
    } else {
      pooled.decrementAndGet();
    }
  }
}
