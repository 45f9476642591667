package io.latentserve.server;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts the calls in progress of one service, so that a graceful shutdown can wait for exactly
 * those: long-lived calls of other services (a client's health Watch stream) never end on their own
 * and would otherwise hold the shutdown for its whole grace period.
 */
final class ActiveCalls implements ServerInterceptor {
  private final String serviceName;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private int active;

  /** Counts the calls of {@code serviceName}, e.g. {@code latentserve.v1.Inference}. */
  ActiveCalls(String serviceName) {
    this.serviceName = serviceName;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (!serviceName.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    change(1);
    ServerCall.Listener<Q> listener = null;
    try {
      listener = next.startCall(call, headers);
    } finally {
      if (listener == null) {
        change(-1); // the call never started: nothing will end it
      }
    }
    // gRPC calls exactly one of onComplete and onCancel when a started call ends.
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          change(-1);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          change(-1);
        }
      }
    };
  }

  private void change(int delta) {
    lock.lock();
    try {
      active += delta;
      if (active == 0) {
        idle.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Calls in progress now. */
  int count() {
    lock.lock();
    try {
      return active;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until no call is in progress.
   *
   * @return false if calls were still running after {@code timeout}
   */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    long remaining = timeout.toNanos();
    lock.lock();
    try {
      while (active > 0) {
        if (remaining <= 0) {
          return false;
        }
        remaining = idle.awaitNanos(remaining);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
