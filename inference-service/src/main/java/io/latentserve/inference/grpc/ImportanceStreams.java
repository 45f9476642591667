package io.latentserve.inference.grpc;

import io.latentserve.inference.core.QueueFullException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where ImportanceWeights streams run: a pool of their own, so that a few heavy streams (k up to
 * 5000 per row) cannot occupy the gRPC threads that answer every other call, at most {@code
 * maxStreams} streams at once (one more is refused as momentarily exhausted), and a timer that ends
 * a stream whose client has stopped reading for {@code stallTimeout}. Owned by the server's
 * lifecycle, which closes it.
 */
public final class ImportanceStreams implements AutoCloseable {
  private final int maxStreams;
  private final Duration stallTimeout;
  private final Semaphore slots;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;

  /**
   * @param maxStreams streams computed at once, >= 1; also the worker threads
   * @param stallTimeout how long a stream may wait for its client to read on, > 0
   */
  public ImportanceStreams(int maxStreams, Duration stallTimeout) {
    if (maxStreams < 1) {
      throw new IllegalArgumentException("maxStreams must be >= 1, got " + maxStreams);
    }
    this.stallTimeout = Objects.requireNonNull(stallTimeout, "stallTimeout");
    if (stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new IllegalArgumentException("stallTimeout must be > 0, got " + stallTimeout);
    }
    this.maxStreams = maxStreams;
    this.slots = new Semaphore(maxStreams);
    this.workers = Executors.newFixedThreadPool(maxStreams, daemons("importance-weights-"));
    this.timer = Executors.newSingleThreadScheduledExecutor(daemons("importance-stall-timer-"));
  }

  /**
   * Takes a slot for one stream; release it exactly once with {@link #release()}.
   *
   * @throws QueueFullException when {@code maxStreams} streams are running
   */
  void acquire() {
    if (!slots.tryAcquire()) {
      throw new QueueFullException(
          "ImportanceWeights has "
              + maxStreams
              + " streams running, the limit (--max-importance-streams) is "
              + maxStreams
              + "; retry shortly or on another replica");
    }
  }

  void release() {
    slots.release();
  }

  /** Streams running now. */
  public int running() {
    return maxStreams - slots.availablePermits();
  }

  Duration stallTimeout() {
    return stallTimeout;
  }

  void execute(Runnable task) {
    workers.execute(task);
  }

  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Stops the threads; streams still running are cut off (the server has cancelled them). */
  @Override
  public void close() {
    timer.shutdownNow();
    workers.shutdownNow();
  }

  private static ThreadFactory daemons(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
