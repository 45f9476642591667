package io.latentserve.evaluator.client;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.evaluator.core.Decoding;
import io.latentserve.evaluator.core.Encoding;
import io.latentserve.evaluator.core.ImportanceWeights;
import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.core.InferenceException;
import io.latentserve.evaluator.core.LatentLayerInfo;
import io.latentserve.evaluator.core.LayerLogDensity;
import io.latentserve.evaluator.core.LogDensities;
import io.latentserve.evaluator.core.ModelDescription;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.PriorSamples;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LayerDistribution;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.Prior;
import io.latentserve.proto.v1.DataType;
import io.latentserve.proto.v1.DecodeRequest;
import io.latentserve.proto.v1.DecodeResponse;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.LatentDistribution;
import io.latentserve.proto.v1.LatentLayer;
import io.latentserve.proto.v1.LayerLogProb;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Provenance;
import io.latentserve.proto.v1.SampleRequest;
import io.latentserve.proto.v1.SampleResponse;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.server.security.ChannelSecurity;
import io.latentserve.server.security.ChannelTls;
import io.latentserve.server.security.ServerTls;
import io.latentserve.wire.LatentDistributions;
import io.latentserve.wire.ModelInfos;
import io.latentserve.wire.TensorCodec;
import io.latentserve.wire.TensorFormatException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InferenceClient} over the Inference gRPC service.
 *
 * <p>One channel to the configured target (see {@link InferenceClientConfig#target()}) with the
 * {@code round_robin} policy, so consecutive calls go to different replicas. Every attempt has the
 * configured deadline (or the caller's, when shorter: calls inherit the current {@link Context}, so
 * cancelling the caller's context cancels them). A call that fails with UNAVAILABLE,
 * DEADLINE_EXCEEDED, CANCELLED by the replica, or a momentary RESOURCE_EXHAUSTED (one with
 * pushback), is retried, up to {@link InferenceClientConfig#maxAttempts()} attempts, and
 * round-robin sends the retry to the next replica; a RESOURCE_EXHAUSTED from a fixed limit is not.
 * A call pinned to a version that gets NOT_FOUND or FAILED_PRECONDITION (a replica that has not
 * loaded it yet) is retried for up to {@link InferenceClientConfig#versionWait()}; see {@link
 * RetryKind}. A streamed ImportanceWeights call is retried whole. Because every request carries its
 * seed and first row, a retry returns the numbers the failed attempt would have.
 */
public final class GrpcInferenceClient implements InferenceClient {
  private static final Logger log = LoggerFactory.getLogger(GrpcInferenceClient.class);

  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final String target;
  private final InferenceClientConfig config;
  private final InferenceCallListener listener;
  private final InferenceGrpc.InferenceBlockingStub stub;
  private final ChannelTls tls;

  /**
   * A client over an existing channel (e.g. in-process in tests); the channel is not closed by
   * {@link #close()}.
   */
  public GrpcInferenceClient(
      ManagedChannel channel, InferenceClientConfig config, InferenceCallListener listener) {
    this(channel, false, config, listener, null);
  }

  private GrpcInferenceClient(
      ManagedChannel channel,
      boolean ownsChannel,
      InferenceClientConfig config,
      InferenceCallListener listener,
      ChannelTls tls) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.tls = tls;
    this.ownsChannel = ownsChannel;
    this.config = Objects.requireNonNull(config, "config");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.target = config.target();
    this.stub = InferenceGrpc.newBlockingStub(channel);
  }

  /** Opens a plain-text channel to the configured target, balanced round-robin. */
  public static GrpcInferenceClient connect(
      InferenceClientConfig config, InferenceCallListener listener) {
    return connect(config, ChannelSecurity.NONE, listener);
  }

  /**
   * Opens a channel to the configured target, balanced round-robin, with {@code security}'s TLS
   * (its PEM files re-read while the client lives, so rotated certificates serve new connections)
   * and its bearer token on every call.
   *
   * @throws IllegalArgumentException naming a PEM file that cannot be used
   */
  public static GrpcInferenceClient connect(
      InferenceClientConfig config, ChannelSecurity security, InferenceCallListener listener) {
    ChannelTls tls = ChannelTls.of(security, ServerTls.DEFAULT_RELOAD_PERIOD);
    ManagedChannel channel =
        Grpc.newChannelBuilder(InferenceTargets.channelTarget(config.target()), tls.credentials())
            .defaultLoadBalancingPolicy("round_robin")
            .maxInboundMessageSize(config.maxInboundMessageBytes())
            .intercept(security.interceptors())
            .build();
    return new GrpcInferenceClient(channel, true, config, listener, tls);
  }

  public String target() {
    return target;
  }

  private static ModelRef ref(ModelKey key) {
    return ModelRef.newBuilder().setName(key.name()).setVersion(key.version()).build();
  }

  @Override
  public ModelDescription describe(ModelKey model) {
    return call(
        "GetModel",
        model.version() > 0,
        s ->
            describe(
                s.getModel(GetModelRequest.newBuilder().setModel(ref(model)).build()).getModel()));
  }

  @Override
  public ImportanceWeights importanceWeights(
      ModelKey model,
      FloatTensor x,
      FloatTensor condition,
      long firstRow,
      int k,
      long seed,
      boolean includeComponents) {
    ImportanceWeightsRequest.Builder b =
        ImportanceWeightsRequest.newBuilder()
            .setModel(ref(model))
            .setX(TensorCodec.encode(x))
            .setK(k)
            .setSeed(seed)
            .setFirstRow(firstRow)
            .setIncludeComponents(includeComponents);
    if (condition != null) {
      b.setCondition(TensorCodec.encode(condition));
    }
    ImportanceWeightsRequest request = b.build();
    int n = (int) x.dim(0);
    return call(
        "ImportanceWeights",
        model.version() > 0,
        s -> {
          Assembly assembly = new Assembly(n, k, includeComponents);
          Iterator<ImportanceWeightsChunk> chunks = s.importanceWeights(request);
          while (chunks.hasNext()) {
            assembly.add(chunks.next());
          }
          return assembly.result();
        });
  }

  @Override
  public Encoding encode(
      ModelKey model,
      FloatTensor x,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow) {
    EncodeRequest.Builder b =
        EncodeRequest.newBuilder()
            .setModel(ref(model))
            .setX(TensorCodec.encode(x))
            .setSample(sample)
            .setSeed(seed)
            .setFirstRow(firstRow);
    if (condition != null) {
      b.setCondition(TensorCodec.encode(condition));
    }
    EncodeRequest request = b.build();
    return call(
        "Encode",
        model.version() > 0,
        s -> {
          EncodeResponse response = s.encode(request);
          return new Encoding(
              response.getLayersList().stream().map(p -> distribution(p, sample)).toList());
        });
  }

  @Override
  public Decoding decode(
      ModelKey model,
      FloatTensor zTop,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow) {
    DecodeRequest.Builder b =
        DecodeRequest.newBuilder()
            .setModel(ref(model))
            .setZ(TensorCodec.encode(zTop))
            .setSample(sample)
            .setSeed(seed)
            .setFirstRow(firstRow);
    if (condition != null) {
      b.setCondition(TensorCodec.encode(condition));
    }
    DecodeRequest request = b.build();
    return call(
        "Decode",
        model.version() > 0,
        s -> {
          DecodeResponse r = s.decode(request);
          return new Decoding(
              output("x_mean", r.getXMean()),
              r.hasXSample() ? Optional.of(output("x_sample", r.getXSample())) : Optional.empty(),
              r.getIntermediateLayersList().stream()
                  .map(p -> distribution(p, p.hasSample()))
                  .toList());
        });
  }

  @Override
  public PriorSamples sample(
      ModelKey model, int n, FloatTensor condition, long seed, boolean sampleX) {
    SampleRequest.Builder b =
        SampleRequest.newBuilder().setModel(ref(model)).setN(n).setSeed(seed).setSampleX(sampleX);
    if (condition != null) {
      b.setCondition(TensorCodec.encode(condition));
    }
    SampleRequest request = b.build();
    return call(
        "Sample",
        model.version() > 0,
        s -> {
          SampleResponse r = s.sample(request);
          if (!r.getPrior().hasSample()) {
            throw new InferenceException(
                InferenceException.Reason.INTERNAL,
                target,
                "inference at " + target + " returned Sample without the prior's draws");
          }
          return new PriorSamples(
              distribution(r.getPrior(), true),
              output("x_mean", r.getXMean()),
              r.hasXSample() ? Optional.of(output("x_sample", r.getXSample())) : Optional.empty());
        });
  }

  @Override
  public LogDensities logProb(
      ModelKey model, FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    LogProbRequest.Builder b =
        LogProbRequest.newBuilder().setModel(ref(model)).setX(TensorCodec.encode(x));
    if (condition != null) {
      b.setCondition(TensorCodec.encode(condition));
    }
    for (FloatTensor t : z) {
      b.addZ(TensorCodec.encode(t));
    }
    LogProbRequest request = b.build();
    return call(
        "LogProb",
        model.version() > 0,
        s -> {
          LogProbResponse r = s.logProb(request);
          List<LayerLogDensity> layers = new ArrayList<>();
          for (LayerLogProb l : r.getLayersList()) {
            layers.add(
                new LayerLogDensity(
                    l.getLayer(),
                    output("log_prior", l.getLogPrior()),
                    output("log_posterior", l.getLogPosterior())));
          }
          return new LogDensities(
              output("log_px_given_z", r.getLogPxGivenZ()),
              output("log_pz", r.getLogPz()),
              output("log_qz_given_x", r.getLogQzGivenX()),
              layers);
        });
  }

  @Override
  public void close() {
    if (ownsChannel) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (tls != null) {
      tls.close();
    }
  }

  /**
   * Runs one call with deadlines and bounded retries (see {@link RetryKind}), mapping failures to
   * InferenceException.
   *
   * @param pinned whether the call names a concrete version (>= 1), so that NOT_FOUND may only mean
   *     that a replica has not loaded it yet
   */
  private <T> T call(
      String method, boolean pinned, Function<InferenceGrpc.InferenceBlockingStub, T> body) {
    StatusRuntimeException last = null;
    long versionDeadline = System.nanoTime() + config.versionWait().toNanos();
    int replicaAttempts = 0;
    int versionRetries = 0;
    while (true) {
      replicaAttempts++;
      long start = System.nanoTime();
      try {
        T result =
            body.apply(
                stub.withDeadlineAfter(config.callDeadline().toNanos(), TimeUnit.NANOSECONDS));
        listener.onAttempt(method, "OK", Duration.ofNanos(System.nanoTime() - start));
        return result;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        listener.onAttempt(method, code.name(), Duration.ofNanos(System.nanoTime() - start));
        last = e;
        RetryKind kind =
            callerStillWaiting() ? RetryKind.of(code, e.getTrailers(), pinned) : RetryKind.NONE;
        long pauseNanos;
        if (kind == RetryKind.REPLICA && replicaAttempts < config.maxAttempts()) {
          pauseNanos =
              Math.max(
                  backoffNanos(replicaAttempts + 1),
                  TimeUnit.MILLISECONDS.toNanos(RetryKind.pushback(e.getTrailers()).orElse(0)));
        } else if (kind == RetryKind.VERSION) {
          // A version retry does not use up the attempts meant for failing replicas: it waits
          // for a scan, growing the pause to at most a second, until the version wait is over.
          pauseNanos = Math.min(backoffNanos(2 + versionRetries), TimeUnit.SECONDS.toNanos(1));
          if (System.nanoTime() + pauseNanos > versionDeadline) {
            break;
          }
          versionRetries++;
          replicaAttempts--;
        } else {
          break;
        }
        listener.onRetry(method, code.name());
        log.debug("{} to {} failed with {}, retrying: {}", method, target, code, e.getMessage());
        pause(pauseNanos);
      } catch (IllegalStateException | IllegalArgumentException e) {
        listener.onAttempt(method, "INTERNAL", Duration.ofNanos(System.nanoTime() - start));
        throw new InferenceException(
            InferenceException.Reason.INTERNAL,
            target,
            "inference at "
                + target
                + " sent a malformed "
                + method
                + " response: "
                + e.getMessage(),
            e);
      }
    }
    throw map(method, last);
  }

  /** Whether the caller still waits: neither its context nor its thread was cancelled. */
  private static boolean callerStillWaiting() {
    Context context = Context.current();
    if (context.isCancelled() || Thread.currentThread().isInterrupted()) {
      return false;
    }
    Deadline deadline = context.getDeadline();
    return deadline == null || !deadline.isExpired();
  }

  /** The pause before attempt {@code attempt} (>= 2): the backoff, doubled for each further one. */
  private long backoffNanos(int attempt) {
    return config.retryBackoff().toNanos() << Math.min(attempt - 2, 10);
  }

  /** Waits before a retry (so that round-robin sees a dead replica's connection state change). */
  private static void pause(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end && !Context.current().isCancelled()) {
      LockSupport.parkNanos(Math.min(end - System.nanoTime(), 10_000_000L));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private InferenceException map(String method, StatusRuntimeException e) {
    Status status = e.getStatus();
    String description =
        Objects.requireNonNullElse(status.getDescription(), status.getCode().name());
    InferenceException.Reason reason =
        switch (status.getCode()) {
          case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION ->
              InferenceException.Reason.INVALID_ARGUMENT;
          case NOT_FOUND -> InferenceException.Reason.NOT_FOUND;
          case UNAVAILABLE -> InferenceException.Reason.UNAVAILABLE;
          case DEADLINE_EXCEEDED -> InferenceException.Reason.DEADLINE_EXCEEDED;
          case CANCELLED -> InferenceException.Reason.CANCELLED;
          case RESOURCE_EXHAUSTED -> InferenceException.Reason.RESOURCE_EXHAUSTED;
          default -> InferenceException.Reason.INTERNAL;
        };
    String message =
        switch (reason) {
          case UNAVAILABLE ->
              "inference-service at "
                  + target
                  + " is unreachable from the evaluator after "
                  + config.maxAttempts()
                  + " attempts of "
                  + method
                  + ": "
                  + description;
          case DEADLINE_EXCEEDED ->
              method + " to inference at " + target + " exceeded its deadline: " + description;
          case INTERNAL -> "inference at " + target + " failed " + method + ": " + status.getCode();
          default -> description;
        };
    return new InferenceException(reason, target, message, e);
  }

  /** A layer's distribution from its family's params case (see {@link LatentDistributions}). */
  private LayerDistribution distribution(LatentDistribution p, boolean withSample) {
    String layer = p.getLayer();
    LatentFamily family;
    try {
      family = LatentDistributions.family(p);
    } catch (IllegalArgumentException e) {
      throw new InferenceException(
          InferenceException.Reason.INTERNAL,
          target,
          "inference at " + target + " returned " + e.getMessage(),
          e);
    }
    List<Tensor> wire = LatentDistributions.parameters(p);
    List<FloatTensor> parameters = new ArrayList<>();
    for (int i = 0; i < wire.size(); i++) {
      parameters.add(output(layer + "." + family.parameterNames().get(i), wire.get(i)));
    }
    return new LayerDistribution(
        layer,
        family,
        parameters,
        withSample && p.hasSample()
            ? Optional.of(output(layer + ".sample", p.getSample()))
            : Optional.empty());
  }

  /** Maps a ModelInfo to the core's description. */
  static ModelDescription describe(ModelInfo info) {
    LikelihoodFamily likelihood =
        switch (info.getLikelihood()) {
          case LIKELIHOOD_BERNOULLI -> LikelihoodFamily.BERNOULLI;
          case LIKELIHOOD_GAUSSIAN_FIXED -> LikelihoodFamily.GAUSSIAN_FIXED;
          case LIKELIHOOD_GAUSSIAN_LEARNED -> LikelihoodFamily.GAUSSIAN_LEARNED;
          default ->
              throw new IllegalStateException("model has likelihood " + info.getLikelihood());
        };
    Provenance p = info.getProvenance();
    return new ModelDescription(
        info.getName(),
        info.getVersion(),
        info.getInputShapeList(),
        likelihood,
        info.getLikelihoodSigma(),
        info.getLatentLayersList().stream()
            .map(
                l ->
                    new LatentLayerInfo(
                        l.getName(), l.getDim(), LatentDistributions.fromApi(l.getFamily())))
            .toList(),
        info.getDevice(),
        info.getManifestSha256(),
        p.getDataset(),
        p.getSeed(),
        p.getEpochs(),
        p.getFinalMetricsMap(),
        p.getSpecJson(),
        p.getCodeVersion(),
        p.hasCreated()
            ? Instant.ofEpochSecond(p.getCreated().getSeconds(), p.getCreated().getNanos())
            : null,
        info.getConditionDim(),
        prior(info),
        ModelInfos.logPartition(info),
        LatentDistributions.fromApi(info.getInferenceStructure()));
  }

  /** The model's top prior; an unset one is the default of its top layer's family. */
  private static Prior prior(ModelInfo info) {
    if (info.getPrior() == io.latentserve.proto.v1.Prior.PRIOR_UNSPECIFIED) {
      LatentLayer top = info.getLatentLayers(info.getLatentLayersCount() - 1);
      return Prior.defaultFor(LatentDistributions.fromApi(top.getFamily()), info.getConditionDim());
    }
    return LatentDistributions.fromApi(info.getPrior());
  }

  /** Collects streamed chunks of samples into [N, k] arrays, checking they cover [0, k) once. */
  private static final class Assembly {
    private final int n;
    private final int k;
    private final boolean components;
    private final float[] logW;
    private final float[] logPx;
    private final float[] logPz;
    private final float[] logQz;
    private final boolean[] covered;
    private int coveredCount;

    Assembly(int n, int k, boolean components) {
      this.n = n;
      this.k = k;
      this.components = components;
      this.logW = new float[n * k];
      this.logPx = components ? new float[n * k] : null;
      this.logPz = components ? new float[n * k] : null;
      this.logQz = components ? new float[n * k] : null;
      this.covered = new boolean[k];
    }

    void add(ImportanceWeightsChunk chunk) {
      FloatTensor w = output("log_weights", chunk.getLogWeights());
      int offset = chunk.getSampleOffset();
      if (w.rank() != 2 || w.dim(0) != n) {
        throw new IllegalStateException(
            "log_weights chunk has shape " + w + ", expected [" + n + ", count]");
      }
      int count = (int) w.dim(1);
      if (offset < 0 || offset + count > k) {
        throw new IllegalStateException(
            "chunk covers samples [" + offset + ", " + (offset + count) + "), k is " + k);
      }
      for (int j = offset; j < offset + count; j++) {
        if (covered[j]) {
          throw new IllegalStateException("sample " + j + " arrived twice");
        }
        covered[j] = true;
      }
      coveredCount += count;
      place(w, logW, offset, count);
      if (components) {
        place(output("log_px_given_z", chunk.getLogPxGivenZ()), logPx, offset, count);
        place(output("log_pz", chunk.getLogPz()), logPz, offset, count);
        place(output("log_qz_given_x", chunk.getLogQzGivenX()), logQz, offset, count);
      }
    }

    private void place(FloatTensor chunk, float[] dst, int offset, int count) {
      if (chunk.size() != n * count) {
        throw new IllegalStateException(
            "chunk component has " + chunk.size() + " values, expected " + n * count);
      }
      float[] src = chunk.data();
      for (int i = 0; i < n; i++) {
        System.arraycopy(src, i * count, dst, i * k + offset, count);
      }
    }

    ImportanceWeights result() {
      if (coveredCount != k) {
        throw new IllegalStateException(
            "stream ended with " + coveredCount + " of " + k + " samples");
      }
      FloatTensor w = FloatTensor.of(logW, n, k);
      if (!components) {
        return ImportanceWeights.of(w);
      }
      return new ImportanceWeights(
          w,
          Optional.of(FloatTensor.of(logPx, n, k)),
          Optional.of(FloatTensor.of(logPz, n, k)),
          Optional.of(FloatTensor.of(logQz, n, k)));
    }
  }

  /**
   * Decodes a float32 response tensor.
   *
   * @throws IllegalStateException when the server sent another dtype or a size that does not match
   *     the shape (a broken server, reported as INTERNAL)
   */
  private static FloatTensor output(String field, Tensor t) {
    if (t.getDtype() != DataType.DATA_TYPE_FLOAT32) {
      throw new IllegalStateException(field + " has dtype " + t.getDtype() + ", expected float32");
    }
    try {
      return TensorCodec.decode(field, t);
    } catch (TensorFormatException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
