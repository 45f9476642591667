package io.latentserve.evaluator.core;

import io.latentserve.model.InferenceStructure;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.LogPartition;
import io.latentserve.model.Prior;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the inference service says about one model version.
 *
 * @param name model name
 * @param version the concrete version (>= 1) that served the description
 * @param inputShape shape of one example, e.g. [784] or [28, 28]
 * @param likelihood family of p(x|z1)
 * @param likelihoodSigma standard deviation of p(x|z1) for {@link LikelihoodFamily#GAUSSIAN_FIXED},
 *     else 0
 * @param layers latent layers, layer 1 (next to the data) first
 * @param device device serving the model on the replica that answered: "cpu" or "cuda:N"
 * @param manifestSha256 hex sha256 of the bundle's manifest; empty when unknown
 * @param trainingDataset catalogue name of the training data, or empty
 * @param trainingSeed seed of the producer
 * @param epochs training epochs
 * @param finalMetrics the producer's recorded bounds and losses, nats per example
 * @param specJson the producer's specification as JSON, or empty
 * @param codeVersion latentserve version that wrote the bundle, or empty
 * @param created when the bundle was written; null when unknown
 * @param conditionDim size C of the condition y of a conditional model, 0 for an unconditional one
 * @param prior the top layer's prior, suited to its family and to {@code conditionDim}; null reads
 *     as the top family's {@link Prior#defaultFor default} (reports stored before priors name none)
 * @param logPartition the log Z estimate of an {@link Prior#RBM} prior, which every log p(z) of the
 *     model subtracts; null for other priors (and for reports stored before it existed)
 * @param inference how the encoder factorises q(z|x), which decides which layers' posteriors are
 *     exact per example ({@link InferenceStructure#conditionedOnDataOnly}); null reads as the
 *     bottom-up chain (services and reports from before the top-down structure)
 */
public record ModelDescription(
    String name,
    long version,
    List<Long> inputShape,
    LikelihoodFamily likelihood,
    double likelihoodSigma,
    List<LatentLayerInfo> layers,
    String device,
    String manifestSha256,
    String trainingDataset,
    long trainingSeed,
    int epochs,
    Map<String, Double> finalMetrics,
    String specJson,
    String codeVersion,
    Instant created,
    int conditionDim,
    Prior prior,
    LogPartition logPartition,
    InferenceStructure inference) {

  public ModelDescription {
    inference = Objects.requireNonNullElse(inference, InferenceStructure.BOTTOM_UP);
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(likelihood, "likelihood");
    inputShape = List.copyOf(inputShape);
    layers = List.copyOf(layers);
    finalMetrics = Map.copyOf(finalMetrics);
    device = Objects.requireNonNullElse(device, "");
    manifestSha256 = Objects.requireNonNullElse(manifestSha256, "");
    trainingDataset = Objects.requireNonNullElse(trainingDataset, "");
    specJson = Objects.requireNonNullElse(specJson, "");
    codeVersion = Objects.requireNonNullElse(codeVersion, "");
    if (version < 1) {
      throw new IllegalArgumentException("a described model has a version >= 1, got " + version);
    }
    if (inputShape.isEmpty() || inputShape.stream().anyMatch(d -> d <= 0)) {
      throw new IllegalArgumentException(
          "input shape must be non-empty and positive: " + inputShape);
    }
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a model has at least one latent layer");
    }
    if (conditionDim < 0) {
      throw new IllegalArgumentException("conditionDim must be >= 0, got " + conditionDim);
    }
    if (prior == null) {
      prior = Prior.defaultFor(layers.get(layers.size() - 1).family(), conditionDim);
    }
    prior.check(layers.get(layers.size() - 1).family(), conditionDim);
  }

  /** A description of a bottom-up model. */
  public ModelDescription(
      String name,
      long version,
      List<Long> inputShape,
      LikelihoodFamily likelihood,
      double likelihoodSigma,
      List<LatentLayerInfo> layers,
      String device,
      String manifestSha256,
      String trainingDataset,
      long trainingSeed,
      int epochs,
      Map<String, Double> finalMetrics,
      String specJson,
      String codeVersion,
      Instant created,
      int conditionDim,
      Prior prior,
      LogPartition logPartition) {
    this(
        name,
        version,
        inputShape,
        likelihood,
        likelihoodSigma,
        layers,
        device,
        manifestSha256,
        trainingDataset,
        trainingSeed,
        epochs,
        finalMetrics,
        specJson,
        codeVersion,
        created,
        conditionDim,
        prior,
        logPartition,
        InferenceStructure.BOTTOM_UP);
  }

  /** A description without a log Z (a model without an RBM prior). */
  public ModelDescription(
      String name,
      long version,
      List<Long> inputShape,
      LikelihoodFamily likelihood,
      double likelihoodSigma,
      List<LatentLayerInfo> layers,
      String device,
      String manifestSha256,
      String trainingDataset,
      long trainingSeed,
      int epochs,
      Map<String, Double> finalMetrics,
      String specJson,
      String codeVersion,
      Instant created,
      int conditionDim,
      Prior prior) {
    this(
        name,
        version,
        inputShape,
        likelihood,
        likelihoodSigma,
        layers,
        device,
        manifestSha256,
        trainingDataset,
        trainingSeed,
        epochs,
        finalMetrics,
        specJson,
        codeVersion,
        created,
        conditionDim,
        prior,
        null);
  }

  /**
   * A description with the {@link Prior#defaultFor default prior} of its top layer: N(0, I) for an
   * unconditional Gaussian top layer, p(z|y) for a conditional model, learned otherwise.
   */
  public ModelDescription(
      String name,
      long version,
      List<Long> inputShape,
      LikelihoodFamily likelihood,
      double likelihoodSigma,
      List<LatentLayerInfo> layers,
      String device,
      String manifestSha256,
      String trainingDataset,
      long trainingSeed,
      int epochs,
      Map<String, Double> finalMetrics,
      String specJson,
      String codeVersion,
      Instant created,
      int conditionDim) {
    this(
        name,
        version,
        inputShape,
        likelihood,
        likelihoodSigma,
        layers,
        device,
        manifestSha256,
        trainingDataset,
        trainingSeed,
        epochs,
        finalMetrics,
        specJson,
        codeVersion,
        created,
        conditionDim,
        layers == null || layers.isEmpty()
            ? Prior.STANDARD_NORMAL
            : Prior.defaultFor(layers.get(layers.size() - 1).family(), conditionDim));
  }

  /** The description of an unconditional model ({@code conditionDim} 0). */
  public ModelDescription(
      String name,
      long version,
      List<Long> inputShape,
      LikelihoodFamily likelihood,
      double likelihoodSigma,
      List<LatentLayerInfo> layers,
      String device,
      String manifestSha256,
      String trainingDataset,
      long trainingSeed,
      int epochs,
      Map<String, Double> finalMetrics,
      String specJson,
      String codeVersion,
      Instant created) {
    this(
        name,
        version,
        inputShape,
        likelihood,
        likelihoodSigma,
        layers,
        device,
        manifestSha256,
        trainingDataset,
        trainingSeed,
        epochs,
        finalMetrics,
        specJson,
        codeVersion,
        created,
        0);
  }

  /** Whether the model reads a condition y ({@code conditionDim > 0}), a CVAE. */
  public boolean conditional() {
    return conditionDim > 0;
  }

  /** Flattened size D of one example: the product of {@link #inputShape()}. */
  public int inputDim() {
    return ShapeProducts.arraySize(
        "model " + id() + " input shape " + inputShape + ": features",
        inputShape.stream().mapToLong(Long::longValue).toArray());
  }

  /** The top latent layer, whose prior is {@link #prior()}. */
  public LatentLayerInfo topLayer() {
    return layers.get(layers.size() - 1);
  }

  /**
   * Whether layer {@code l}'s posterior q(z_l|x) is the encoder's own distribution, exact per
   * example, rather than a mixture over draws of the layers its encoder reads.
   */
  public boolean exactPosterior(int l) {
    return inference.conditionedOnDataOnly(l, layers.size());
  }

  /** The lowest layer whose posterior is {@link #exactPosterior exact}. */
  public int exactLayer() {
    for (int l = 0; l < layers.size(); l++) {
      if (exactPosterior(l)) {
        return l;
      }
    }
    throw new IllegalStateException("model " + id() + " has no layer conditioned on x alone");
  }

  /** The exact version this description names. */
  public ModelKey key() {
    return new ModelKey(name, version);
  }

  /** {@code name/version}, as used in messages. */
  public String id() {
    return name + "/" + version;
  }
}
