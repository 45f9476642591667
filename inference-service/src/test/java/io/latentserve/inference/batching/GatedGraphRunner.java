package io.latentserve.inference.batching;

import io.latentserve.bundle.GraphRole;
import io.latentserve.inference.core.GraphRunner;
import io.latentserve.model.FloatTensor;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** Lets a test hold runs of a real runner at the door: each run waits until the gate opens. */
final class GatedGraphRunner implements GraphRunner {
  private final GraphRunner delegate;
  private final CountDownLatch gate = new CountDownLatch(1);
  private final Semaphore entered = new Semaphore(0);

  GatedGraphRunner(GraphRunner delegate) {
    this.delegate = delegate;
  }

  void open() {
    gate.countDown();
  }

  /** Waits until {@code runs} runs have reached the gate. */
  boolean awaitEntered(int runs) throws InterruptedException {
    return entered.tryAcquire(runs, 30, TimeUnit.SECONDS);
  }

  @Override
  public Map<String, FloatTensor> run(GraphRole role, Map<String, FloatTensor> inputs) {
    entered.release();
    try {
      if (!gate.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("gate never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return delegate.run(role, inputs);
  }

  @Override
  public int rowAlignment() {
    return delegate.rowAlignment();
  }

  @Override
  public String device() {
    return delegate.device();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
