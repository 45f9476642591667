package io.latentserve.inference.grpc;

import io.grpc.stub.StreamObserver;
import io.latentserve.inference.core.ModelLease;
import io.latentserve.inference.core.VaeModel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * A unary call answered from work on a leased model that may complete later (a run waiting in a
 * batching queue): the calling thread returns at once, and the thread that completes the work
 * answers the call and releases the model. Shared by latentserve.v1 and the Open Inference
 * Protocol, so that both release leases and map failures the same way.
 */
final class LeasedCalls {
  private LeasedCalls() {}

  /**
   * Runs {@code work} on {@code lease}'s model and answers {@code out} with its result or its
   * failure (through {@link GrpcErrors}); the lease is closed exactly once, when the work is done
   * or has failed to start.
   */
  static <T> void answer(
      StreamObserver<T> out, ModelLease lease, Function<VaeModel, CompletableFuture<T>> work) {
    CompletableFuture<T> result;
    try {
      result = work.apply(lease.served().model());
    } catch (RuntimeException e) {
      lease.close();
      out.onError(GrpcErrors.toStatusException(e));
      return;
    }
    result.whenComplete(
        (response, failure) -> {
          lease.close();
          if (failure != null) {
            out.onError(GrpcErrors.toStatusException(unwrap(failure)));
          } else {
            out.onNext(response);
            out.onCompleted();
          }
        });
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }
}
