package io.latentserve.inference.batching;

import io.latentserve.bundle.GraphRole;
import io.latentserve.inference.core.GraphRunner;
import io.latentserve.inference.core.InferenceException;
import io.latentserve.inference.core.InferenceFailedException;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.inference.core.QueueFullException;
import io.latentserve.model.FloatTensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link GraphRunner} decorator that merges concurrent runs into larger engine calls.
 *
 * <p>Runs of the same graph whose inputs have the same names and the same shapes after axis 0 are
 * compatible: they are concatenated along axis 0 (up to {@link BatchingConfig#maxBatchRows()}
 * rows), executed once by the delegate, and the outputs are split back by rows. Every output of a
 * batched graph must therefore have the batch on axis 0, as every bundle graph does; each row's
 * result depends on that row's inputs only. Each merged request starts at a multiple of the
 * delegate's {@link GraphRunner#rowAlignment()}, so that its results are bit-identical to a run on
 * its own (the gaps are filled with copies of a valid row and discarded).
 *
 * <p>One dispatcher thread per runner takes the oldest queued request, waits at most {@link
 * BatchingConfig#maxQueueDelay()} after its arrival for compatible work (less once the batch is
 * full), and runs the batch. A request of {@code maxBatchRows} rows or more gains nothing from
 * merging and runs alone on the caller's thread, so that it does not hold up small requests; it
 * still counts against the queue length while it runs, or any number of large requests could run at
 * once. When {@link BatchingConfig#maxQueueLength()} requests are waiting or running alone, further
 * ones fail at once with {@link QueueFullException}.
 *
 * <p>{@link #close()} stops accepting work, runs everything already queued, then closes the
 * delegate.
 */
public final class BatchingGraphRunner implements GraphRunner {
  private static final Logger log = LoggerFactory.getLogger(BatchingGraphRunner.class);

  private final GraphRunner delegate;
  private final BatchingConfig config;
  private final BatchListener listener;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final LinkedList<Pending> queue = new LinkedList<>();
  private final Thread dispatcher;
  private final int rowAlignment;
  private boolean closed;
  private int runningAlone;

  /**
   * Starts the dispatcher thread.
   *
   * @param delegate the engine; owned (closed) by this runner
   * @param config batch size, delay and queue bounds
   * @param listener receives batch statistics, e.g. for metrics
   */
  public BatchingGraphRunner(GraphRunner delegate, BatchingConfig config, BatchListener listener) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.config = Objects.requireNonNull(config, "config");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.rowAlignment = delegate.rowAlignment();
    if (rowAlignment < 1) {
      throw new IllegalArgumentException(
          "rowAlignment of " + delegate + " must be >= 1, got " + rowAlignment);
    }
    this.dispatcher = new Thread(this::dispatchLoop, "batching-" + delegate);
    dispatcher.setDaemon(true);
    dispatcher.start();
  }

  @Override
  public Map<String, FloatTensor> run(GraphRole role, Map<String, FloatTensor> inputs) {
    return await(runAsync(role, inputs));
  }

  /**
   * Queues the run; the dispatcher thread completes the future, and runs whatever the caller
   * chained to it, so keep that short (e.g. answering a call).
   */
  @Override
  public CompletableFuture<Map<String, FloatTensor>> runAsync(
      GraphRole role, Map<String, FloatTensor> inputs) {
    Objects.requireNonNull(role, "role");
    Pending pending = Pending.of(role, inputs, System.nanoTime());
    if (pending == null || pending.rows >= config.maxBatchRows()) {
      try {
        return CompletableFuture.completedFuture(runDirect(role, inputs));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    lock.lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(
            new ModelUnavailableException("runner " + delegate + " is closed"));
      }
      if (queue.size() + runningAlone >= config.maxQueueLength()) {
        notifyRejected(role);
        return CompletableFuture.failedFuture(queueFull());
      }
      queue.addLast(pending);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    return pending.result;
  }

  private Map<String, FloatTensor> runDirect(GraphRole role, Map<String, FloatTensor> inputs) {
    lock.lock();
    try {
      if (closed) {
        throw new ModelUnavailableException("runner " + delegate + " is closed");
      }
      if (queue.size() + runningAlone >= config.maxQueueLength()) {
        notifyRejected(role);
        throw queueFull();
      }
      runningAlone++;
    } finally {
      lock.unlock();
    }
    try {
      return delegate.run(role, inputs);
    } finally {
      lock.lock();
      try {
        runningAlone--;
      } finally {
        lock.unlock();
      }
    }
  }

  /** Called with the lock held. */
  private QueueFullException queueFull() {
    return new QueueFullException(
        "the batching queue of "
            + delegate
            + " holds "
            + queue.size()
            + " requests and "
            + runningAlone
            + " run alone (of at least max-batch-rows "
            + config.maxBatchRows()
            + " rows), the limit is "
            + config.maxQueueLength());
  }

  private static Map<String, FloatTensor> await(CompletableFuture<Map<String, FloatTensor>> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceFailedException("interrupted while waiting for a batch", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof InferenceException ie) {
        throw ie;
      }
      throw new InferenceFailedException("batched run failed: " + cause, cause);
    }
  }

  /** Runs batches until closed and drained, then closes the delegate. */
  private void dispatchLoop() {
    try {
      while (true) {
        List<Pending> batch;
        try {
          batch = nextBatch();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failAll(new ModelUnavailableException("runner " + delegate + " was interrupted"));
          return;
        }
        if (batch == null) {
          return;
        }
        execute(batch);
      }
    } finally {
      delegate.close();
    }
  }

  /** Blocks for the next batch; null once closed and drained. */
  private List<Pending> nextBatch() throws InterruptedException {
    lock.lock();
    try {
      while (queue.isEmpty()) {
        if (closed) {
          return null;
        }
        changed.await();
      }
      Pending first = queue.getFirst();
      long deadline = first.enqueuedNanos + config.maxQueueDelay().toNanos();
      while (true) {
        List<Pending> batch = new ArrayList<>();
        int rows = 0;
        for (Pending p : queue) {
          int padded = padded(p.rows);
          if (p == first || (p.key.equals(first.key) && rows + padded <= config.maxBatchRows())) {
            batch.add(p);
            rows += padded;
          }
        }
        long wait = deadline - System.nanoTime();
        if (rows >= config.maxBatchRows() || wait <= 0 || closed) {
          queue.removeAll(batch);
          return batch;
        }
        changed.awaitNanos(wait);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Rows a request occupies in a merged batch: its rows rounded up to the row alignment. */
  private int padded(int rows) {
    return (rows + rowAlignment - 1) / rowAlignment * rowAlignment;
  }

  private void execute(List<Pending> batch) {
    Pending first = batch.get(0);
    int requestRows = 0;
    for (Pending p : batch) {
      requestRows += p.rows;
    }
    long start = System.nanoTime();
    try {
      int[] starts = new int[batch.size()];
      int rows = 0;
      for (int b = 0; b < batch.size(); b++) {
        starts[b] = rows;
        rows += b + 1 < batch.size() ? padded(batch.get(b).rows) : batch.get(b).rows;
      }
      Map<String, FloatTensor> outputs =
          batch.size() == 1
              ? delegate.run(first.role, first.inputs)
              : delegate.run(first.role, merge(batch, starts, rows));
      // Counted before any caller gets its result: whoever sees a result also sees its batch.
      notifyBatch(
          first.role,
          batch.size(),
          requestRows,
          start - first.enqueuedNanos,
          System.nanoTime() - start);
      if (batch.size() == 1) {
        first.result.complete(outputs);
      } else {
        split(batch, starts, rows, outputs);
      }
    } catch (RuntimeException | Error e) {
      // The dispatcher must survive, or every later request would wait forever; a native library's
      // LinkageError fails this batch only. Callers are failed first, never left waiting.
      for (Pending p : batch) {
        p.result.completeExceptionally(e);
      }
      if (e instanceof VirtualMachineError fatal) {
        // Out of memory (or stack): the process is in an unknown state and must end (services run
        // with -XX:+ExitOnOutOfMemoryError); it is rethrown, never swallowed.
        log.error("batched run of {} failed", first.role, fatal);
        throw fatal;
      } else if (e instanceof Error) {
        log.error("batched run of {} failed", first.role, e);
      }
    }
  }

  /**
   * Concatenates the requests along axis 0, request b at row {@code starts[b]}; alignment gaps
   * repeat the previous request's last row, so that every padding row is a valid input.
   */
  private static Map<String, FloatTensor> merge(List<Pending> batch, int[] starts, int rows) {
    Map<String, FloatTensor> merged = new LinkedHashMap<>();
    for (Map.Entry<String, FloatTensor> e : batch.get(0).inputs.entrySet()) {
      String name = e.getKey();
      long[] shape = e.getValue().shape();
      shape[0] = rows;
      int rowSize = e.getValue().rowSize();
      float[] data = new float[Math.toIntExact(FloatTensor.elementCount(shape))];
      for (int b = 0; b < batch.size(); b++) {
        float[] part = batch.get(b).inputs.get(name).data();
        int at = starts[b] * rowSize;
        System.arraycopy(part, 0, data, at, part.length);
        int end = b + 1 < batch.size() ? starts[b + 1] * rowSize : data.length;
        for (int pad = at + part.length; pad < end; pad += rowSize) {
          System.arraycopy(part, part.length - rowSize, data, pad, rowSize);
        }
      }
      merged.put(name, FloatTensor.of(data, shape));
    }
    return merged;
  }

  private void split(
      List<Pending> batch, int[] starts, int rows, Map<String, FloatTensor> outputs) {
    for (Map.Entry<String, FloatTensor> e : outputs.entrySet()) {
      FloatTensor t = e.getValue();
      if (t.rank() == 0 || t.dim(0) != rows) {
        throw new InferenceFailedException(
            "output "
                + e.getKey()
                + " of "
                + delegate
                + " has shape "
                + Arrays.toString(t.shape())
                + ", cannot split "
                + rows
                + " batched rows");
      }
    }
    for (int b = 0; b < batch.size(); b++) {
      Pending p = batch.get(b);
      Map<String, FloatTensor> mine = new LinkedHashMap<>();
      for (Map.Entry<String, FloatTensor> e : outputs.entrySet()) {
        mine.put(e.getKey(), e.getValue().rows(starts[b], starts[b] + p.rows));
      }
      p.result.complete(mine);
    }
  }

  private void failAll(InferenceException e) {
    lock.lock();
    try {
      closed = true;
      for (Pending p : queue) {
        p.result.completeExceptionally(e);
      }
      queue.clear();
    } finally {
      lock.unlock();
    }
  }

  private void notifyBatch(GraphRole role, int requests, int rows, long queueNanos, long runNanos) {
    try {
      listener.onBatch(
          role,
          requests,
          rows,
          Duration.ofNanos(Math.max(0, queueNanos)),
          Duration.ofNanos(runNanos));
    } catch (RuntimeException e) {
      log.warn("batch listener failed", e);
    }
  }

  private void notifyRejected(GraphRole role) {
    try {
      listener.onRejected(role);
    } catch (RuntimeException e) {
      log.warn("batch listener failed", e);
    }
  }

  /** Requests waiting in the queue now. */
  public int queuedRequests() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** The delegate's alignment: merged requests start at multiples of it, which preserves it. */
  @Override
  public int rowAlignment() {
    return rowAlignment;
  }

  @Override
  public String device() {
    return delegate.device();
  }

  /**
   * Stops accepting work; the dispatcher runs everything already queued, then closes the delegate
   * (which in turn waits for runs in flight). Waits for that, except when called on the dispatcher
   * thread itself: a result's callback may release the last use of a model and so close it, and the
   * dispatcher cannot wait for its own end; it finishes the queue and closes the delegate after the
   * callback returns.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (Thread.currentThread() == dispatcher) {
      return;
    }
    boolean interrupted = false;
    while (dispatcher.isAlive()) {
      try {
        dispatcher.join(TimeUnit.SECONDS.toMillis(1));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "BatchingGraphRunner[" + delegate + ", " + config + "]";
  }

  /** One queued run. */
  private static final class Pending {
    final GraphRole role;
    final Map<String, FloatTensor> inputs;
    final int rows;
    final BatchKey key;
    final long enqueuedNanos;
    final CompletableFuture<Map<String, FloatTensor>> result = new CompletableFuture<>();

    private Pending(
        GraphRole role, Map<String, FloatTensor> inputs, int rows, BatchKey key, long now) {
      this.role = role;
      this.inputs = inputs;
      this.rows = rows;
      this.key = key;
      this.enqueuedNanos = now;
    }

    /** A queueable request, or null when its inputs cannot be batched (no common axis 0). */
    static Pending of(GraphRole role, Map<String, FloatTensor> inputs, long now) {
      if (inputs.isEmpty()) {
        return null;
      }
      long rows = -1;
      Map<String, List<Long>> trailing = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, FloatTensor>> it = inputs.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<String, FloatTensor> e = it.next();
        FloatTensor t = e.getValue();
        if (t.rank() == 0 || (rows >= 0 && t.dim(0) != rows)) {
          return null;
        }
        rows = t.dim(0);
        long[] shape = t.shape();
        trailing.put(e.getKey(), Arrays.stream(shape, 1, shape.length).boxed().toList());
      }
      if (rows <= 0) {
        return null;
      }
      return new Pending(role, Map.copyOf(inputs), (int) rows, new BatchKey(role, trailing), now);
    }
  }

  /** What makes runs compatible: the graph, input names and shapes after axis 0. */
  private record BatchKey(GraphRole role, Map<String, List<Long>> trailing) {}
}
