package io.latentserve.inference.grpc;

import io.latentserve.inference.core.DecodeResult;
import io.latentserve.inference.core.InvalidInputException;
import io.latentserve.inference.core.LogProbResult;
import io.latentserve.inference.core.LogWeightsChunk;
import io.latentserve.inference.core.ModelId;
import io.latentserve.inference.core.ModelState;
import io.latentserve.inference.core.ModelStatus;
import io.latentserve.inference.core.ServedModel;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import io.latentserve.proto.v1.DecodeResponse;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.LatentDistribution;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.SampleResponse;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.wire.LatentDistributions;
import io.latentserve.wire.ModelInfos;
import io.latentserve.wire.TensorCodec;
import io.latentserve.wire.TensorFormatException;

/** Core values to {@code latentserve.v1} messages, and request tensors to core values. */
final class ProtoMapping {
  private ProtoMapping() {}

  /**
   * Decodes a request tensor with the shared codec; a malformed one is the caller's {@link
   * InvalidInputException}, naming the field.
   */
  static FloatTensor decode(String field, Tensor tensor) {
    try {
      return TensorCodec.decode(field, tensor);
    } catch (TensorFormatException e) {
      throw new InvalidInputException(e.field(), e.getMessage());
    }
  }

  /** Decodes a request's condition y (float32 or float64 only), as {@link #decode}. */
  static FloatTensor decodeCondition(String field, Tensor tensor) {
    try {
      return TensorCodec.decodeCondition(field, tensor);
    } catch (TensorFormatException e) {
      throw new InvalidInputException(e.field(), e.getMessage());
    }
  }

  static ModelRef ref(ModelId id) {
    return ModelRef.newBuilder().setName(id.name()).setVersion(id.version()).build();
  }

  static ModelInfo modelInfo(ServedModel served) {
    VaeModel model = served.model();
    return ModelInfos.describe(
            model.id().name(),
            model.id().version(),
            model.architecture(),
            served.provenance(),
            served.manifestSha256(),
            model.logPartition())
        .setDevice(model.device())
        .setState(io.latentserve.proto.v1.ModelState.MODEL_STATE_LOADED)
        .build();
  }

  /**
   * A version as ListModels and LoadModel describe it: loaded or not, with its state and memory.
   */
  static ModelInfo modelInfo(ModelStatus status) {
    ModelInfo.Builder b =
        status.architecture() == null
            ? ModelInfo.newBuilder().setName(status.id().name()).setVersion(status.id().version())
            : ModelInfos.describe(
                status.id().name(),
                status.id().version(),
                status.architecture(),
                status.provenance(),
                status.manifestSha256(),
                status.logPartition());
    return b.setDevice(status.device())
        .setState(state(status.state()))
        .setMemoryBytes(status.memoryBytes())
        .setFailure(status.failure())
        .build();
  }

  private static io.latentserve.proto.v1.ModelState state(ModelState state) {
    return switch (state) {
      case LOADED -> io.latentserve.proto.v1.ModelState.MODEL_STATE_LOADED;
      case LOADING -> io.latentserve.proto.v1.ModelState.MODEL_STATE_LOADING;
      case AVAILABLE -> io.latentserve.proto.v1.ModelState.MODEL_STATE_AVAILABLE;
      case FAILED -> io.latentserve.proto.v1.ModelState.MODEL_STATE_FAILED;
    };
  }

  /**
   * A layer's distribution in its family's {@code params} case (see {@link LatentDistributions}).
   */
  static LatentDistribution distribution(LayerDistribution layer) {
    LatentDistribution.Builder b =
        LatentDistributions.distribution(
            layer.layer(),
            layer.family(),
            layer.parameters().stream().map(TensorCodec::encode).toList());
    layer.sample().ifPresent(s -> b.setSample(TensorCodec.encode(s)));
    return b.build();
  }

  static DecodeResponse decodeResponse(ModelId id, DecodeResult r) {
    DecodeResponse.Builder b =
        DecodeResponse.newBuilder().setModel(ref(id)).setXMean(TensorCodec.encode(r.xMean()));
    r.xSample().ifPresent(s -> b.setXSample(TensorCodec.encode(s)));
    r.xLogVariance().ifPresent(v -> b.setXLogVariance(TensorCodec.encode(v)));
    r.intermediateLayers().forEach(l -> b.addIntermediateLayers(distribution(l)));
    return b.build();
  }

  static SampleResponse sampleResponse(ModelId id, io.latentserve.inference.core.SampleResult r) {
    DecodeResult d = r.decoded();
    SampleResponse.Builder b =
        SampleResponse.newBuilder()
            .setModel(ref(id))
            .setPrior(distribution(r.prior()))
            .setXMean(TensorCodec.encode(d.xMean()))
            .setGibbsSweeps(r.gibbsSweeps());
    d.xSample().ifPresent(s -> b.setXSample(TensorCodec.encode(s)));
    d.xLogVariance().ifPresent(v -> b.setXLogVariance(TensorCodec.encode(v)));
    d.intermediateLayers().forEach(l -> b.addIntermediateLayers(distribution(l)));
    return b.build();
  }

  static LogProbResponse logProbResponse(ModelId id, LogProbResult r) {
    LogProbResponse.Builder b =
        LogProbResponse.newBuilder()
            .setModel(ref(id))
            .setLogPxGivenZ(TensorCodec.encode(r.logPxGivenZ()))
            .setLogPz(TensorCodec.encode(r.logPz()))
            .setLogQzGivenX(TensorCodec.encode(r.logQzGivenX()));
    for (io.latentserve.inference.core.LayerLogProb layer : r.layers()) {
      b.addLayers(
          io.latentserve.proto.v1.LayerLogProb.newBuilder()
              .setLayer(layer.layer())
              .setLogPrior(TensorCodec.encode(layer.logPrior()))
              .setLogPosterior(TensorCodec.encode(layer.logPosterior())));
    }
    return b.build();
  }

  static ImportanceWeightsChunk chunk(ModelRef ref, LogWeightsChunk c) {
    ImportanceWeightsChunk.Builder b =
        ImportanceWeightsChunk.newBuilder()
            .setModel(ref)
            .setSampleOffset(c.sampleOffset())
            .setLogWeights(TensorCodec.encode(c.logWeights()));
    c.components()
        .ifPresent(
            k ->
                b.setLogPxGivenZ(TensorCodec.encode(k.logPxGivenZ()))
                    .setLogPz(TensorCodec.encode(k.logPz()))
                    .setLogQzGivenX(TensorCodec.encode(k.logQzGivenX())));
    return b.build();
  }
}
