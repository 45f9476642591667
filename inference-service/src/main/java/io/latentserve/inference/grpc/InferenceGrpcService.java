package io.latentserve.inference.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.latentserve.inference.core.InvalidInputException;
import io.latentserve.inference.core.LogWeightsChunk;
import io.latentserve.inference.core.ModelCatalog;
import io.latentserve.inference.core.ModelId;
import io.latentserve.inference.core.ModelLease;
import io.latentserve.inference.core.ModelStatus;
import io.latentserve.inference.core.SampleRange;
import io.latentserve.inference.core.ServedModel;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DecodeRequest;
import io.latentserve.proto.v1.DecodeResponse;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.GetModelResponse;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.ListModelsResponse;
import io.latentserve.proto.v1.LoadModelRequest;
import io.latentserve.proto.v1.LoadModelResponse;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.SampleRequest;
import io.latentserve.proto.v1.SampleResponse;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.proto.v1.UnloadModelRequest;
import io.latentserve.proto.v1.UnloadModelResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The {@code latentserve.v1.Inference} service: validates and maps each request, calls the leased
 * {@link VaeModel}, and maps the result back. Every failure reaches the caller through {@code
 * onError} with the status {@link GrpcErrors} assigns.
 *
 * <p>ImportanceWeights runs on the threads of {@link ImportanceStreams}, not on gRPC's, at most its
 * limit of streams at once. It computes one chunk of samples at a time and only while the transport
 * can take more ({@link ServerCallStreamObserver#isReady()}), so a slow reader holds back the work
 * instead of filling memory; a cancelled call stops after the chunk in progress, and a client that
 * reads nothing for the stall timeout loses its stream, so that the model version it leased is
 * released (and closed, if it was removed meanwhile).
 */
public final class InferenceGrpcService extends InferenceGrpc.InferenceImplBase {
  private final ModelCatalog catalog;
  private final RequestListener listener;
  private final ImportanceStreams streams;

  /**
   * @param catalog the loaded models
   * @param listener told about every successful request (metrics)
   * @param streams where ImportanceWeights streams run; owned by the caller
   */
  public InferenceGrpcService(
      ModelCatalog catalog, RequestListener listener, ImportanceStreams streams) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.streams = Objects.requireNonNull(streams, "streams");
  }

  @Override
  public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> out) {
    unary(
        out,
        () -> {
          ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
          catalog.statuses().forEach(m -> b.addModels(ProtoMapping.modelInfo(m)));
          return b.setLoadedBytes(catalog.loadedBytes())
              .setMemoryBudgetBytes(catalog.memoryBudgetBytes())
              .build();
        });
  }

  @Override
  public void loadModel(LoadModelRequest request, StreamObserver<LoadModelResponse> out) {
    unary(
        out,
        () -> {
          ModelRef ref = checkRef(request.getModel());
          ModelStatus status = catalog.load(ref.getName(), ref.getVersion(), loadWait());
          return LoadModelResponse.newBuilder().setModel(ProtoMapping.modelInfo(status)).build();
        });
  }

  @Override
  public void unloadModel(UnloadModelRequest request, StreamObserver<UnloadModelResponse> out) {
    unary(
        out,
        () -> {
          ModelRef ref = checkRef(request.getModel());
          UnloadModelResponse.Builder b = UnloadModelResponse.newBuilder();
          catalog.unload(ref.getName(), ref.getVersion()).forEach(id -> b.addUnloaded(ref(id)));
          return b.build();
        });
  }

  private static ModelRef ref(ModelId id) {
    return ModelRef.newBuilder().setName(id.name()).setVersion(id.version()).build();
  }

  /**
   * How long a request may wait for its model to load: what is left of its deadline, else the
   * catalog's own wait.
   */
  private static Duration loadWait() {
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      return null;
    }
    return Duration.ofNanos(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
  }

  @Override
  public void getModel(GetModelRequest request, StreamObserver<GetModelResponse> out) {
    unary(
        out,
        () -> {
          try (ModelLease lease = acquire(request.getModel())) {
            ServedModel served = lease.served();
            return GetModelResponse.newBuilder()
                .setModel(ProtoMapping.modelInfo(served))
                .addAllLoadedVersions(catalog.versions(served.model().id().name()))
                .build();
          }
        });
  }

  @Override
  public void encode(EncodeRequest request, StreamObserver<EncodeResponse> out) {
    withModelAsync(
        out,
        request.getModel(),
        model -> {
          FloatTensor x = requiredInput("x", request.hasX(), request.getX(), model);
          return model
              .encodeAsync(
                  x,
                  condition(request.hasCondition(), request.getCondition()),
                  request.getSample(),
                  request.getSeed(),
                  request.getFirstRow())
              .thenApply(
                  r -> {
                    EncodeResponse.Builder b =
                        EncodeResponse.newBuilder().setModel(ProtoMapping.ref(model.id()));
                    r.layers().forEach(l -> b.addLayers(ProtoMapping.distribution(l)));
                    served(model.id(), "Encode", x);
                    return b.build();
                  });
        });
  }

  @Override
  public void decode(DecodeRequest request, StreamObserver<DecodeResponse> out) {
    withModel(
        out,
        request.getModel(),
        model -> {
          FloatTensor z =
              requiredLatent(
                  "z", request.hasZ(), request.getZ(), model.architecture().top().latentDim());
          DecodeResponse response =
              ProtoMapping.decodeResponse(
                  model.id(),
                  model.decode(
                      z,
                      condition(request.hasCondition(), request.getCondition()),
                      request.getSample(),
                      request.getSeed(),
                      request.getFirstRow()));
          served(model.id(), "Decode", z);
          return response;
        });
  }

  @Override
  public void sample(SampleRequest request, StreamObserver<SampleResponse> out) {
    withModel(
        out,
        request.getModel(),
        model -> {
          SampleResponse response =
              ProtoMapping.sampleResponse(
                  model.id(),
                  model.sample(
                      request.getN(),
                      condition(request.hasCondition(), request.getCondition()),
                      request.getSeed(),
                      request.getSampleX(),
                      request.getGibbsSweeps()));
          listener.onServed(model.id(), "Sample", request.getN());
          return response;
        });
  }

  @Override
  public void logProb(LogProbRequest request, StreamObserver<LogProbResponse> out) {
    withModelAsync(
        out,
        request.getModel(),
        model -> {
          FloatTensor x = requiredInput("x", request.hasX(), request.getX(), model);
          List<FloatTensor> z = new ArrayList<>(request.getZCount());
          for (int i = 0; i < request.getZCount(); i++) {
            z.add(ProtoMapping.decode("z[" + i + "]", request.getZ(i)));
          }
          FloatTensor condition = condition(request.hasCondition(), request.getCondition());
          return model
              .logProbAsync(x, condition, z)
              .thenApply(
                  r -> {
                    served(model.id(), "LogProb", x);
                    return ProtoMapping.logProbResponse(model.id(), r);
                  });
        });
  }

  @Override
  public void importanceWeights(
      ImportanceWeightsRequest request, StreamObserver<ImportanceWeightsChunk> out) {
    ServerCallStreamObserver<ImportanceWeightsChunk> call =
        (ServerCallStreamObserver<ImportanceWeightsChunk>) out;
    ImportanceWeightsStream stream;
    ModelLease lease = null;
    boolean slot = false;
    try {
      streams.acquire();
      slot = true;
      lease = acquire(request.getModel());
      VaeModel model = lease.served().model();
      FloatTensor x = requiredInput("x", request.hasX(), request.getX(), model);
      FloatTensor condition = condition(request.hasCondition(), request.getCondition());
      // A malformed x (wrong rank, NaN, ...) fails in the first chunk, before anything is sent.
      int rows = x.rank() == 0 ? 1 : (int) Math.min(x.dim(0), Integer.MAX_VALUE);
      List<SampleRange> plan =
          model.planImportanceWeights(rows, request.getK(), request.getChunkSize());
      stream = new ImportanceWeightsStream(call, lease, x, condition, plan, request);
    } catch (RuntimeException e) {
      if (lease != null) {
        lease.close();
      }
      if (slot) {
        streams.release();
      }
      out.onError(GrpcErrors.toStatusException(e));
      return;
    }
    call.setOnCancelHandler(stream::cancel);
    call.setOnReadyHandler(stream::schedule);
    stream.schedule();
  }

  /**
   * One ImportanceWeights call: computes and sends chunks on a worker of {@link ImportanceStreams}
   * while the call is ready, resuming when the transport says it is ready again. One run at a time
   * (a new run is scheduled only when none is pending), and every use of the observer holds this
   * object's lock, since the on-ready, cancel and stall-timer callbacks come from other threads.
   */
  private final class ImportanceWeightsStream {
    private final ServerCallStreamObserver<ImportanceWeightsChunk> call;
    private final ModelLease lease;
    private final FloatTensor x;
    private final FloatTensor condition;
    private final List<SampleRange> plan;
    private final ImportanceWeightsRequest request;
    private final ModelRef ref;
    private final Context context = Context.current();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean cancelled;
    private int next;
    private boolean finished;
    private ScheduledFuture<?> stallTimer;
    private int chunksAtStall = -1;

    ImportanceWeightsStream(
        ServerCallStreamObserver<ImportanceWeightsChunk> call,
        ModelLease lease,
        FloatTensor x,
        FloatTensor condition,
        List<SampleRange> plan,
        ImportanceWeightsRequest request) {
      this.call = call;
      this.lease = lease;
      this.x = x;
      this.condition = condition;
      this.plan = plan;
      this.request = request;
      this.ref = ProtoMapping.ref(lease.served().model().id());
    }

    /** Runs the stream on a worker unless a run is already pending. */
    void schedule() {
      if (!scheduled.compareAndSet(false, true)) {
        return;
      }
      try {
        streams.execute(
            () -> {
              scheduled.set(false);
              drain();
            });
      } catch (RejectedExecutionException e) {
        // The server is stopping: the call is being cancelled; release what it holds.
        synchronized (this) {
          finish();
        }
      }
    }

    synchronized void drain() {
      if (finished) {
        return;
      }
      VaeModel model = lease.served().model();
      try {
        while (next < plan.size() && call.isReady()) {
          if (cancelled || call.isCancelled() || context.isCancelled()) {
            finish();
            return;
          }
          SampleRange range = plan.get(next);
          LogWeightsChunk chunk =
              model.importanceWeights(
                  x,
                  condition,
                  range.offset(),
                  range.count(),
                  request.getSeed(),
                  request.getFirstRow(),
                  request.getIncludeComponents());
          next++;
          call.onNext(ProtoMapping.chunk(ref, chunk));
        }
        if (cancelled || call.isCancelled()) {
          finish();
        } else if (next == plan.size()) {
          finish();
          served(model.id(), "ImportanceWeights", x);
          call.onCompleted();
        } else {
          armStallTimer();
        }
      } catch (RuntimeException e) {
        if (finished || cancelled) {
          finish();
          return; // cancelled while sending: nobody is listening any more
        }
        finish();
        call.onError(GrpcErrors.toStatusException(e));
      }
    }

    /** The client reads nothing for the stall timeout: the stream ends, its lease released. */
    private void armStallTimer() {
      if (stallTimer != null && chunksAtStall == next) {
        return;
      }
      if (stallTimer != null) {
        stallTimer.cancel(false);
      }
      chunksAtStall = next;
      stallTimer = streams.schedule(this::checkStalled, streams.stallTimeout());
    }

    private synchronized void checkStalled() {
      stallTimer = null;
      if (finished) {
        return;
      }
      if (next == chunksAtStall && !call.isReady()) {
        finish();
        call.onError(
            Status.DEADLINE_EXCEEDED
                .withDescription(
                    "ImportanceWeights of "
                        + lease.served().model().id()
                        + ": the client read nothing for "
                        + streams.stallTimeout()
                        + " (--stream-stall-timeout), the stream was ended after "
                        + next
                        + " of "
                        + plan.size()
                        + " chunks")
                .asRuntimeException());
      } else {
        schedule();
      }
    }

    void cancel() {
      cancelled = true;
      schedule();
    }

    /** Releases the lease and the stream's slot, once. Called with the lock held. */
    private void finish() {
      if (finished) {
        return;
      }
      finished = true;
      if (stallTimer != null) {
        stallTimer.cancel(false);
      }
      lease.close();
      streams.release();
    }
  }

  private ModelLease acquire(ModelRef ref) {
    checkRef(ref);
    Duration wait = loadWait();
    return wait == null
        ? catalog.acquire(ref.getName(), ref.getVersion())
        : catalog.acquire(ref.getName(), ref.getVersion(), wait);
  }

  private static ModelRef checkRef(ModelRef ref) {
    if (ref.getName().isEmpty()) {
      throw new InvalidInputException(
          "model.name", "model.name is empty, expected the name of a loaded model");
    }
    if (ref.getVersion() < 0) {
      throw new InvalidInputException(
          "model.version",
          "model.version is " + ref.getVersion() + ", expected >= 1, or 0 for the latest");
    }
    return ref;
  }

  private static FloatTensor requiredInput(
      String field, boolean present, Tensor tensor, VaeModel model) {
    if (!present) {
      throw new InvalidInputException(
          field,
          field
              + " is missing, expected a tensor [N, "
              + model.architecture().inputDim()
              + "] for model "
              + model.id());
    }
    return ProtoMapping.decode(field, tensor);
  }

  /**
   * The request's condition y, or null when it has none; whether the model wants one is the model's
   * check.
   */
  private static FloatTensor condition(boolean present, Tensor tensor) {
    return present ? ProtoMapping.decodeCondition("condition", tensor) : null;
  }

  private static FloatTensor requiredLatent(String field, boolean present, Tensor tensor, int dim) {
    if (!present) {
      throw new InvalidInputException(
          field, field + " is missing, expected a tensor [N, " + dim + "]");
    }
    return ProtoMapping.decode(field, tensor);
  }

  private void served(ModelId id, String method, FloatTensor rowsOf) {
    listener.onServed(id, method, rowsOf.rank() == 0 ? 1 : rowsOf.dim(0));
  }

  private <T> void withModel(StreamObserver<T> out, ModelRef ref, Function<VaeModel, T> work) {
    unary(
        out,
        () -> {
          try (ModelLease lease = acquire(ref)) {
            return work.apply(lease.served().model());
          }
        });
  }

  /**
   * As {@link #withModel}, for work that may complete later (a run waiting in a batching queue):
   * the calling thread returns at once, and the thread that completes the work answers the call and
   * releases the model.
   */
  private <T> void withModelAsync(
      StreamObserver<T> out, ModelRef ref, Function<VaeModel, CompletableFuture<T>> work) {
    ModelLease lease;
    try {
      lease = acquire(ref);
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatusException(e));
      return;
    }
    LeasedCalls.answer(out, lease, work);
  }

  /** Runs {@code work} and answers with its result, or with the mapped status of its failure. */
  private static <T> void unary(StreamObserver<T> out, java.util.function.Supplier<T> work) {
    T response;
    try {
      response = work.get();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatusException(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }
}
