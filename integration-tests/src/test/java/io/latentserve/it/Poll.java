package io.latentserve.it;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes; the tests never sleep for a state. */
final class Poll {
  private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private Poll() {}

  /**
   * The first present value of {@code probe}, asked every 100 ms.
   *
   * @param what the awaited state, for the failure message
   * @throws AssertionError naming {@code what} when {@code timeout} passes first
   */
  static <T> T until(Duration timeout, String what, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      // the poll interval between two checks of the condition above, not a wait for a state
      LockSupport.parkNanos(INTERVAL_NANOS);
      if (Thread.interrupted()) {
        throw new AssertionError("interrupted while waiting for " + what);
      }
    }
  }

  /** Returns once {@code condition} holds; see {@link #until(Duration, String, Supplier)}. */
  static void until(Duration timeout, String what, BooleanSupplier condition) {
    until(
        timeout,
        what,
        () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.<Boolean>empty());
  }
}
