package io.latentserve.inference.grpc;

import com.google.protobuf.ByteString;
import inference.GRPCInferenceServiceGrpc;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferRequest.InferRequestedOutputTensor;
import inference.GrpcPredictV2.ModelInferResponse;
import inference.GrpcPredictV2.ModelInferResponse.InferOutputTensor;
import inference.GrpcPredictV2.ModelMetadataRequest;
import inference.GrpcPredictV2.ModelMetadataResponse;
import inference.GrpcPredictV2.ModelMetadataResponse.TensorMetadata;
import inference.GrpcPredictV2.ModelReadyRequest;
import inference.GrpcPredictV2.ModelReadyResponse;
import inference.GrpcPredictV2.ServerLiveRequest;
import inference.GrpcPredictV2.ServerLiveResponse;
import inference.GrpcPredictV2.ServerMetadataRequest;
import inference.GrpcPredictV2.ServerMetadataResponse;
import inference.GrpcPredictV2.ServerReadyRequest;
import inference.GrpcPredictV2.ServerReadyResponse;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.latentserve.inference.core.CatalogUnavailableException;
import io.latentserve.inference.core.FailedPreconditionException;
import io.latentserve.inference.core.InvalidInputException;
import io.latentserve.inference.core.ModelCatalog;
import io.latentserve.inference.core.ModelLease;
import io.latentserve.inference.core.ModelNotFoundException;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.model.LatentserveVersion;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.wire.TensorCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The Open Inference Protocol v2 ({@code inference.GRPCInferenceService}, KServe's
 * grpc_predict_v2.proto) over the same models as latentserve.v1: each served VAE is four models,
 * {@code <model>.encode}, {@code .decode}, {@code .log_prob} and {@code .importance_weights} (see
 * {@link KServeGraph}), each with every loaded version. Outputs are float32 in {@code
 * raw_output_contents}. Errors are the statuses {@link GrpcErrors} assigns, as in latentserve.v1.
 */
public final class KServeGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private static final String PLATFORM = "latentserve_vae";

  private final ModelCatalog catalog;
  private final BooleanSupplier ready;
  private final RequestListener listener;
  private final long maxOutputValues;
  private final ImportanceStreams importance;

  /**
   * @param catalog the loaded models
   * @param ready whether the repository has been loaded (ServerReady)
   * @param listener told about every successful ModelInfer, under the latentserve.v1 method it
   *     shares (metrics)
   * @param maxOutputBytes the largest response ModelInfer builds (importance weights are N times k
   *     values in one message, where latentserve.v1 streams them)
   * @param importance the bounded pool latentserve.v1's ImportanceWeights streams run on: {@code
   *     .importance_weights} takes a slot of it too, so that neither protocol computes importance
   *     weights on gRPC threads or beyond {@code --max-importance-streams}
   */
  public KServeGrpcService(
      ModelCatalog catalog,
      BooleanSupplier ready,
      RequestListener listener,
      long maxOutputBytes,
      ImportanceStreams importance) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    this.ready = Objects.requireNonNull(ready, "ready");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.maxOutputValues = maxOutputBytes / Float.BYTES;
    this.importance = Objects.requireNonNull(importance, "importance");
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    unary(out, () -> ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    unary(out, () -> ServerReadyResponse.newBuilder().setReady(ready.getAsBoolean()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    unary(
        out,
        () -> {
          KServeName name =
              KServeName.parse("name", request.getName(), "version", request.getVersion());
          boolean loaded;
          try (ModelLease lease = acquire(name)) {
            loaded = true;
          } catch (ModelNotFoundException
              | FailedPreconditionException
              | CatalogUnavailableException e) {
            // not loaded, failed to load, or the repository not read yet: not ready, not an error
            loaded = false;
          }
          return ModelReadyResponse.newBuilder().setReady(loaded).build();
        });
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    // No extensions: Triton's (repository, statistics, shared memory, ...) are not served.
    unary(
        out,
        () ->
            ServerMetadataResponse.newBuilder()
                .setName("latentserve")
                .setVersion(LatentserveVersion.get())
                .build());
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    unary(
        out,
        () -> {
          KServeName name =
              KServeName.parse("name", request.getName(), "version", request.getVersion());
          try (ModelLease lease = acquire(name)) {
            VaeArchitecture a = lease.served().model().architecture();
            ModelMetadataResponse.Builder b =
                ModelMetadataResponse.newBuilder().setName(request.getName()).setPlatform(PLATFORM);
            catalog.versions(name.model()).forEach(v -> b.addVersions(Long.toString(v)));
            name.graph().inputs(a).forEach(s -> b.addInputs(metadata(s)));
            name.graph().outputs(a).forEach(s -> b.addOutputs(metadata(s)));
            return b.build();
          }
        });
  }

  /**
   * Runs {@code work} (which computes before it returns) on a slot of the importance-weights pool,
   * in this call's Context so that a cancelled call stops between chunks.
   *
   * @throws io.latentserve.inference.core.QueueFullException when every slot is taken
   */
  private CompletableFuture<KServeGraph.Result> onImportancePool(
      Supplier<CompletableFuture<KServeGraph.Result>> work) {
    importance.acquire();
    CompletableFuture<KServeGraph.Result> done = new CompletableFuture<>();
    Runnable task =
        Context.current()
            .wrap(
                () -> {
                  try {
                    work.get()
                        .whenComplete(
                            (v, t) -> {
                              if (t != null) {
                                done.completeExceptionally(t);
                              } else {
                                done.complete(v);
                              }
                            });
                  } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                  } finally {
                    importance.release();
                  }
                });
    try {
      importance.execute(task);
    } catch (RuntimeException e) {
      importance.release();
      throw e;
    }
    return done;
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    ModelLease lease;
    KServeGraph graph;
    try {
      KServeName name =
          KServeName.parse(
              "model_name", request.getModelName(), "model_version", request.getModelVersion());
      graph = name.graph();
      lease = acquire(name);
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatusException(e));
      return;
    }
    LeasedCalls.answer(
        out,
        lease,
        model -> {
          VaeArchitecture a = model.architecture();
          KServeGraph.Request r =
              new KServeGraph.Request(
                  KServeInputs.read(
                      request, graph.inputs(a).stream().map(KServeGraph.Spec::name).toList()),
                  KServeParameters.read(
                      request.getModelName(), request.getParametersMap(), graph.parameters()),
                  maxOutputValues);
          List<String> requested = requestedOutputs(request, graph.outputs(a));
          return (graph == KServeGraph.IMPORTANCE_WEIGHTS
                  ? onImportancePool(() -> graph.run(model, r))
                  : graph.run(model, r))
              .thenApply(
                  res -> {
                    listener.onServed(model.id(), graph.method(), res.rows());
                    return response(request, model, select(res.outputs(), requested));
                  });
        });
  }

  private ModelLease acquire(KServeName name) {
    return catalog.acquire(name.model(), name.version());
  }

  /** The output names the request asks for, checked; null when it asks for none (all). */
  private static List<String> requestedOutputs(
      ModelInferRequest request, List<KServeGraph.Spec> outputs) {
    if (request.getOutputsCount() == 0) {
      return null;
    }
    List<String> names = outputs.stream().map(KServeGraph.Spec::name).toList();
    List<String> requested = new ArrayList<>();
    for (int i = 0; i < request.getOutputsCount(); i++) {
      InferRequestedOutputTensor o = request.getOutputs(i);
      if (!names.contains(o.getName())) {
        throw new InvalidInputException(
            "outputs[" + i + "].name",
            "outputs["
                + i
                + "] is named '"
                + o.getName()
                + "', model "
                + request.getModelName()
                + " has outputs "
                + names);
      }
      requested.add(o.getName());
    }
    return requested;
  }

  private static List<KServeGraph.Output> select(
      List<KServeGraph.Output> outputs, List<String> requested) {
    if (requested == null) {
      return outputs;
    }
    List<KServeGraph.Output> selected = new ArrayList<>();
    for (String name : requested) {
      KServeGraph.Output found =
          outputs.stream()
              .filter(o -> o.name().equals(name))
              .findFirst()
              .orElseThrow(
                  () ->
                      new InvalidInputException(
                          "outputs",
                          "output "
                              + name
                              + " was not computed: "
                              + name
                              + " needs the parameter sample set to true"));
      selected.add(found);
    }
    return selected;
  }

  private static ModelInferResponse response(
      ModelInferRequest request, VaeModel model, List<KServeGraph.Output> outputs) {
    ModelInferResponse.Builder b =
        ModelInferResponse.newBuilder()
            .setModelName(request.getModelName())
            .setModelVersion(Long.toString(model.id().version()))
            .setId(request.getId());
    for (KServeGraph.Output o : outputs) {
      b.addOutputs(
          InferOutputTensor.newBuilder()
              .setName(o.name())
              .setDatatype("FP32")
              .addAllShape(Arrays.stream(o.tensor().shape()).boxed().toList()));
      ByteString data = TensorCodec.encode(o.tensor()).getData();
      b.addRawOutputContents(data);
    }
    return b.build();
  }

  private static TensorMetadata metadata(KServeGraph.Spec spec) {
    return TensorMetadata.newBuilder()
        .setName(spec.name())
        .setDatatype("FP32")
        .addAllShape(Arrays.stream(spec.shape()).boxed().toList())
        .build();
  }

  private static <T> void unary(StreamObserver<T> out, Supplier<T> work) {
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
