package io.latentserve.inference.batching;

import io.latentserve.bundle.GraphRole;
import io.latentserve.inference.core.GraphRunner;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.model.FloatTensor;
import java.util.Map;

/**
 * A view of a runner shared by several tests: closing the view does not close the runner, and a
 * test can make the view fail as a closed runner would.
 */
final class GraphRunnerWithoutClose implements GraphRunner {
  private final GraphRunner delegate;
  private volatile boolean failing;

  GraphRunnerWithoutClose(GraphRunner delegate) {
    this.delegate = delegate;
  }

  /** From now on, runs fail as on a closed runner. */
  void fail() {
    failing = true;
  }

  @Override
  public Map<String, FloatTensor> run(GraphRole role, Map<String, FloatTensor> inputs) {
    if (failing) {
      throw new ModelUnavailableException("runner was closed");
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

  /** Counts down once this runner has been closed (the shared engine itself stays open). */
  final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

  @Override
  public void close() {
    closed.countDown();
  }
}
