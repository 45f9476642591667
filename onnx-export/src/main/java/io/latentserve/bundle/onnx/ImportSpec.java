package io.latentserve.bundle.onnx;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentserve.model.Activation;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The description that comes with an imported encoder and decoder ({@code model.json}): the data
 * width, the latent layer, the likelihood and, optionally, which graph inputs and outputs play
 * which part.
 *
 * <pre>{@code
 * {"inputDim": 784,
 *  "latent": {"name": "z1", "dim": 50, "family": "gaussian"},
 *  "likelihood": "bernoulli",                  // or gaussian_fixed (with "likelihoodSigma"), gaussian_learned
 *  "encoder": {"input": "x", "outputs": {"mean": "mu", "logvar": "logvar"}},
 *  "decoder": {"input": "z", "outputs": {"logits": "logits"}}}
 * }</pre>
 *
 * <p>A Bernoulli latent layer ({@code "family": "bernoulli"}, the encoder outputs logits) has a
 * factorial Bernoulli prior whose logits the spec gives: {@code "priorLogits": 0} (one value for
 * every unit) or a list of {@code dim} values.
 *
 * @param encoder names in the encoder graph; {@link Names#input()} null: its only input; an empty
 *     {@link Names#outputs()}: its outputs in parameter order
 * @param decoder names in the decoder graph, as {@code encoder}
 * @param priorLogits the prior's logits, one per unit, for a Bernoulli layer; empty for a Gaussian
 *     one (whose prior is N(0, I))
 */
public record ImportSpec(
    int inputDim,
    String layerName,
    int latentDim,
    LatentFamily family,
    LikelihoodFamily likelihood,
    double likelihoodSigma,
    Names encoder,
    Names decoder,
    List<Double> priorLogits) {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TOP_KEYS =
      Set.of(
          "inputDim",
          "latent",
          "likelihood",
          "likelihoodSigma",
          "encoder",
          "decoder",
          "description");
  private static final Set<String> LATENT_KEYS = Set.of("name", "dim", "family", "priorLogits");

  /**
   * Which graph input and outputs to use.
   *
   * @param input the input's name, or null for the graph's only input
   * @param outputs output name by parameter name ("mean", "logvar", "logits"); empty: the graph's
   *     outputs in parameter order
   */
  public record Names(String input, Map<String, String> outputs) {
    public Names {
      outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    }

    /** Only input, outputs in order. */
    public static Names positional() {
      return new Names(null, Map.of());
    }
  }

  /** A spec of a Gaussian latent layer, whose prior is N(0, I). */
  public ImportSpec(
      int inputDim,
      String layerName,
      int latentDim,
      LatentFamily family,
      LikelihoodFamily likelihood,
      double likelihoodSigma,
      Names encoder,
      Names decoder) {
    this(
        inputDim,
        layerName,
        latentDim,
        family,
        likelihood,
        likelihoodSigma,
        encoder,
        decoder,
        List.of());
  }

  public ImportSpec {
    priorLogits = List.copyOf(priorLogits);
    if (family == LatentFamily.BERNOULLI) {
      if (priorLogits.size() != latentDim) {
        throw new ImportException(
            "spec latent.priorLogits: a bernoulli layer of "
                + latentDim
                + " units needs one prior logit per unit (or one number for all), got "
                + priorLogits.size());
      }
      for (double logit : priorLogits) {
        if (!Double.isFinite(logit)) {
          throw new ImportException("spec latent.priorLogits must be finite, got " + logit);
        }
      }
    } else if (family == LatentFamily.GAUSSIAN) {
      if (!priorLogits.isEmpty()) {
        throw new ImportException(
            "spec latent.priorLogits is only for a bernoulli layer; a gaussian layer's prior is"
                + " N(0, I)");
      }
    } else {
      throw new ImportException(
          "latent family "
              + family.name()
              + " is not supported by bundle import: the layer is gaussian or bernoulli");
    }
    // VaeArchitecture checks the widths, the name and the likelihood sigma.
    try {
      architecture(inputDim, layerName, latentDim, family, likelihood, likelihoodSigma);
    } catch (IllegalArgumentException e) {
      throw new ImportException("spec: " + e.getMessage(), e);
    }
    checkOutputs("encoder", encoder, family.parameterNames());
    checkOutputs("decoder", decoder, decoderParameters(likelihood));
  }

  /** The bundle's architecture: one layer without hidden widths (the networks are the graphs). */
  public VaeArchitecture architecture() {
    return architecture(inputDim, layerName, latentDim, family, likelihood, likelihoodSigma);
  }

  private static VaeArchitecture architecture(
      int inputDim,
      String layerName,
      int latentDim,
      LatentFamily family,
      LikelihoodFamily likelihood,
      double sigma) {
    // The activation is not used by imported networks; the manifest needs one.
    return new VaeArchitecture(
        inputDim,
        List.of(new StochasticLayer(layerName, latentDim, List.of(), family)),
        Activation.TANH,
        likelihood,
        sigma);
  }

  /** The parameter names of the decoder's outputs for a likelihood, in head order. */
  public static List<String> decoderParameters(LikelihoodFamily likelihood) {
    return switch (likelihood) {
      case BERNOULLI -> List.of("logits");
      case GAUSSIAN_FIXED -> List.of("mean");
      case GAUSSIAN_LEARNED -> List.of("mean", "logvar");
    };
  }

  private static void checkOutputs(String network, Names names, List<String> parameters) {
    if (!names.outputs().isEmpty() && !names.outputs().keySet().equals(Set.copyOf(parameters))) {
      throw new ImportException(
          "spec "
              + network
              + ".outputs names "
              + names.outputs().keySet()
              + ", expected exactly "
              + parameters);
    }
  }

  /**
   * Reads a spec.
   *
   * @throws ImportException naming the key that is missing, unknown or invalid
   */
  public static ImportSpec fromJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new ImportException("spec is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ImportException("spec must be a JSON object");
    }
    checkKeys("spec", root, TOP_KEYS);
    JsonNode latent = required(root, "latent", "spec");
    if (!latent.isObject()) {
      throw new ImportException("spec latent must be an object {name, dim, family}");
    }
    checkKeys("spec latent", latent, LATENT_KEYS);
    LikelihoodFamily likelihood = likelihood(required(root, "likelihood", "spec").asText());
    JsonNode sigma = root.get("likelihoodSigma");
    if (sigma != null && likelihood != LikelihoodFamily.GAUSSIAN_FIXED) {
      throw new ImportException("spec likelihoodSigma is only for likelihood gaussian_fixed");
    }
    if (sigma == null && likelihood == LikelihoodFamily.GAUSSIAN_FIXED) {
      throw new ImportException("spec likelihood gaussian_fixed needs likelihoodSigma (> 0)");
    }
    String family = latent.has("family") ? latent.get("family").asText() : "gaussian";
    LatentFamily latentFamily;
    try {
      latentFamily = LatentFamily.byName(family);
    } catch (IllegalArgumentException e) {
      throw new ImportException("spec latent.family: " + e.getMessage(), e);
    }
    int dim = positiveInt(latent, "dim", "spec latent");
    return new ImportSpec(
        positiveInt(root, "inputDim", "spec"),
        latent.has("name") ? latent.get("name").asText() : "z1",
        dim,
        latentFamily,
        likelihood,
        sigma == null ? 0 : number(sigma, "spec likelihoodSigma"),
        names(root, "encoder"),
        names(root, "decoder"),
        priorLogits(latent.get("priorLogits"), dim));
  }

  /** A number for every unit, or one per unit; absent: none. */
  private static List<Double> priorLogits(JsonNode node, int dim) {
    if (node == null) {
      return List.of();
    }
    if (node.isNumber()) {
      return java.util.Collections.nCopies(dim, node.asDouble());
    }
    if (!node.isArray()) {
      throw new ImportException(
          "spec latent.priorLogits must be a number or a list of numbers, got " + node);
    }
    List<Double> logits = new ArrayList<>();
    for (JsonNode value : node) {
      logits.add(number(value, "spec latent.priorLogits"));
    }
    return logits;
  }

  private static LikelihoodFamily likelihood(String name) {
    try {
      return LikelihoodFamily.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ImportException(
          "spec likelihood must be bernoulli, gaussian_fixed or gaussian_learned, got \""
              + name
              + "\"");
    }
  }

  private static Names names(JsonNode root, String network) {
    JsonNode node = root.get(network);
    if (node == null) {
      return Names.positional();
    }
    if (!node.isObject()) {
      throw new ImportException("spec " + network + " must be an object {input, outputs}");
    }
    checkKeys("spec " + network, node, Set.of("input", "outputs"));
    String input = node.has("input") ? node.get("input").asText() : null;
    Map<String, String> outputs = new LinkedHashMap<>();
    JsonNode out = node.get("outputs");
    if (out != null) {
      if (!out.isObject()) {
        throw new ImportException(
            "spec " + network + ".outputs must map parameter names to output names");
      }
      out.properties().forEach(e -> outputs.put(e.getKey(), e.getValue().asText()));
    }
    return new Names(input, outputs);
  }

  private static void checkKeys(String where, JsonNode node, Set<String> known) {
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ImportException(
          where
              + " has unknown keys "
              + unknown
              + "; known keys: "
              + new java.util.TreeSet<>(known));
    }
  }

  private static JsonNode required(JsonNode node, String key, String where) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      throw new ImportException(where + " needs \"" + key + "\"");
    }
    return value;
  }

  private static int positiveInt(JsonNode node, String key, String where) {
    JsonNode value = required(node, key, where);
    if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() <= 0) {
      throw new ImportException(where + " " + key + " must be an integer > 0, got " + value);
    }
    return value.asInt();
  }

  private static double number(JsonNode value, String where) {
    if (!value.isNumber()) {
      throw new ImportException(where + " must be a number, got " + value);
    }
    return value.asDouble();
  }
}
