package io.latentserve.inference.grpc;

import com.google.protobuf.Timestamp;
import io.latentserve.inference.core.DecodeResult;
import io.latentserve.inference.core.GaussianLayer;
import io.latentserve.inference.core.LogProbResult;
import io.latentserve.inference.core.LogWeightsChunk;
import io.latentserve.inference.core.ModelId;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.proto.v1.DecodeResponse;
import io.latentserve.proto.v1.GaussianParams;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.LatentLayer;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Provenance;
import io.latentserve.proto.v1.SampleResponse;

/** Core values to {@code latentserve.v1} messages. */
final class ProtoMapping {
  private ProtoMapping() {}

  static ModelRef ref(ModelId id) {
    return ModelRef.newBuilder().setName(id.name()).setVersion(id.version()).build();
  }

  static ModelInfo modelInfo(ServedModel served) {
    VaeModel model = served.model();
    VaeArchitecture arch = model.architecture();
    ModelInfo.Builder b =
        ModelInfo.newBuilder()
            .setName(model.id().name())
            .setVersion(model.id().version())
            .addInputShape(arch.inputDim())
            .setLikelihood(likelihood(arch))
            .setLikelihoodSigma(arch.likelihoodSigma())
            .setProvenance(provenance(served.provenance()))
            .setDevice(model.device())
            .setManifestSha256(served.manifestSha256());
    for (StochasticLayer layer : arch.layers()) {
      b.addLatentLayers(
          LatentLayer.newBuilder()
              .setName(layer.name())
              .setDim(layer.latentDim())
              .setFamily(LatentFamily.LATENT_FAMILY_GAUSSIAN));
    }
    return b.build();
  }

  private static Likelihood likelihood(VaeArchitecture arch) {
    return switch (arch.likelihood()) {
      case BERNOULLI -> Likelihood.LIKELIHOOD_BERNOULLI;
      case GAUSSIAN_FIXED -> Likelihood.LIKELIHOOD_GAUSSIAN_FIXED;
      case GAUSSIAN_LEARNED -> Likelihood.LIKELIHOOD_GAUSSIAN_LEARNED;
    };
  }

  private static Provenance provenance(io.latentserve.bundle.Provenance p) {
    return Provenance.newBuilder()
        .setSpecJson(p.specJson())
        .setDataset(p.dataset())
        .setSeed(p.seed())
        .setEpochs(p.epochs())
        .putAllFinalMetrics(p.finalMetrics())
        .setCodeVersion(p.codeVersion())
        .setCreated(
            Timestamp.newBuilder()
                .setSeconds(p.created().getEpochSecond())
                .setNanos(p.created().getNano()))
        .build();
  }

  static GaussianParams gaussian(GaussianLayer layer) {
    GaussianParams.Builder b =
        GaussianParams.newBuilder()
            .setLayer(layer.layer())
            .setMean(TensorCodec.encode(layer.mean()))
            .setLogVariance(TensorCodec.encode(layer.logVariance()));
    layer.sample().ifPresent(s -> b.setSample(TensorCodec.encode(s)));
    return b.build();
  }

  static DecodeResponse decodeResponse(ModelId id, DecodeResult r) {
    DecodeResponse.Builder b =
        DecodeResponse.newBuilder().setModel(ref(id)).setXMean(TensorCodec.encode(r.xMean()));
    r.xSample().ifPresent(s -> b.setXSample(TensorCodec.encode(s)));
    r.xLogVariance().ifPresent(v -> b.setXLogVariance(TensorCodec.encode(v)));
    r.intermediateLayers().forEach(l -> b.addIntermediateLayers(gaussian(l)));
    return b.build();
  }

  static SampleResponse sampleResponse(ModelId id, io.latentserve.inference.core.SampleResult r) {
    DecodeResult d = r.decoded();
    SampleResponse.Builder b =
        SampleResponse.newBuilder()
            .setModel(ref(id))
            .setZ(TensorCodec.encode(r.z()))
            .setXMean(TensorCodec.encode(d.xMean()));
    d.xSample().ifPresent(s -> b.setXSample(TensorCodec.encode(s)));
    d.xLogVariance().ifPresent(v -> b.setXLogVariance(TensorCodec.encode(v)));
    d.intermediateLayers().forEach(l -> b.addIntermediateLayers(gaussian(l)));
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
