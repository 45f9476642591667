package io.latentserve.trainer.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentserve.model.Activation;
import io.latentserve.model.InferenceStructure;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.Prior;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.trainer.core.dvae.Smoothing;
import io.latentserve.trainer.core.dvae.SmoothingKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link TrainingSpec} as JSON: recorded in each bundle's provenance and in the job store.
 *
 * <pre>{@code
 * {"model_name": "mnist-iwae", "dataset": "mnist-10k",
 *  "architecture": {"input_dim": 784, "activation": "tanh", "likelihood": "bernoulli",
 *                   "likelihood_sigma": 0, "layers": [{"name": "z1", "latent_dim": 50,
 *                   "hidden": [200, 200], "family": "gaussian"}], "prior": "standard_normal"},
 *  "objective": {"kind": "iwae", "k": 5},
 *  "optimizer": {"learning_rate": 0.001, "batch_size": 100},
 *  "epochs": 10, "seed": "42", "validation_k": 5000}
 * }</pre>
 *
 * A layer without "family" is Gaussian and an architecture without "prior" has its top family's
 * default prior (specs written before latent families). VIMCO is {@code {"kind": "vimco", "k": 5}},
 * reweighted wake-sleep {@code {"kind": "rws", "k": 5, "phi": "wake"}}, the DVAE family {@code
 * {"kind": "dvae_sharp", "k": 5, "smoothing": "power", "beta": 40, "pcd_chains": 100, "pcd_sweeps":
 * 10, "ais_temperatures": 1000, "ais_chains": 1024}} (kinds dvae, dvae_pp, dvae_sharp). The seed is
 * a decimal string of the unsigned 64-bit value, which JSON numbers cannot all hold.
 */
public final class TrainingSpecJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TrainingSpecJson() {}

  public static String write(TrainingSpec spec) {
    return toNode(spec).toString();
  }

  public static ObjectNode toNode(TrainingSpec spec) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("model_name", spec.modelName());
    root.put("dataset", spec.dataset());
    VaeArchitecture a = spec.architecture();
    ObjectNode arch = root.putObject("architecture");
    arch.put("input_dim", a.inputDim());
    arch.put("activation", a.activation().name().toLowerCase(Locale.ROOT));
    arch.put("likelihood", a.likelihood().name().toLowerCase(Locale.ROOT));
    arch.put("likelihood_sigma", a.likelihoodSigma());
    if (a.likelihoodMinVariance() > 0) {
      arch.put("likelihood_min_variance", a.likelihoodMinVariance());
    }
    if (a.conditional()) {
      arch.put("condition_dim", a.conditionDim());
    }
    ArrayNode layers = arch.putArray("layers");
    for (StochasticLayer layer : a.layers()) {
      ObjectNode l = layers.addObject();
      l.put("name", layer.name());
      l.put("latent_dim", layer.latentDim());
      ArrayNode hidden = l.putArray("hidden");
      layer.hidden().forEach(hidden::add);
      l.put("family", layer.family().name());
    }
    arch.put("prior", a.prior().name());
    if (a.inference() != InferenceStructure.BOTTOM_UP) {
      arch.put("inference", a.inference().name());
    }
    if (a.inputShape().size() > 1) {
      ArrayNode shape = arch.putArray("input_shape");
      a.inputShape().forEach(shape::add);
    }
    ObjectNode objective = root.putObject("objective");
    objective.put("kind", spec.objective().name());
    Objective o = spec.objective();
    if (o instanceof Objective.BetaVae b) {
      objective.put("beta", b.beta());
    } else if (o instanceof Objective.Hit h) {
      objective.put("beta_y", h.betaY());
      objective.put("beta_z", h.betaZ());
      objective.put("warmup_epochs", h.warmupEpochs());
    } else if (o instanceof Objective.Iwae i) {
      objective.put("k", i.k());
    } else if (o instanceof Objective.Dreg d) {
      objective.put("k", d.k());
    } else if (o instanceof Objective.InfoVae info) {
      objective.put("alpha", info.alpha());
      objective.put("lambda", info.lambda());
      if (info.constraints() != null) {
        putConstraints(objective, info.constraints());
      }
    } else if (o instanceof Objective.LagVae lag) {
      putConstraints(objective, lag.constraints());
      ObjectNode dual = objective.putObject("multiplier_optimizer");
      dual.put("learning_rate", lag.dualOptimizer().learningRate());
      dual.put("decay", lag.dualOptimizer().decay());
      dual.put("epsilon", lag.dualOptimizer().epsilon());
    } else if (o instanceof Objective.Vimco v) {
      objective.put("k", v.k());
    } else if (o instanceof Objective.Rws r) {
      objective.put("k", r.k());
      objective.put("phi", r.phi().name().toLowerCase(Locale.ROOT));
    } else if (o instanceof Objective.Dvae dvae) {
      objective.put("k", dvae.k());
      objective.put("smoothing", dvae.smoothing().kind().cliName());
      objective.put("beta", dvae.smoothing().beta());
      objective.put("pcd_chains", dvae.pcd().chains());
      objective.put("pcd_sweeps", dvae.pcd().sweeps());
      objective.put("ais_temperatures", dvae.ais().temperatures());
      objective.put("ais_chains", dvae.ais().chains());
    }
    ObjectNode optimizer = root.putObject("optimizer");
    optimizer.put("learning_rate", spec.learningRate());
    optimizer.put("batch_size", spec.batchSize());
    root.put("epochs", spec.epochs());
    root.put("seed", Long.toUnsignedString(spec.seed()));
    root.put("validation_k", spec.validationK());
    return root;
  }

  public static TrainingSpec read(String json) {
    try {
      return fromNode(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("training spec is not valid JSON: " + e.getMessage(), e);
    }
  }

  public static TrainingSpec fromNode(JsonNode root) {
    JsonNode a = required(root, "architecture");
    List<StochasticLayer> layers = new ArrayList<>();
    for (JsonNode l : required(a, "layers")) {
      List<Integer> hidden = new ArrayList<>();
      required(l, "hidden").forEach(h -> hidden.add(h.intValue()));
      LatentFamily family =
          l.hasNonNull("family")
              ? LatentFamily.byName(l.get("family").textValue())
              : LatentFamily.GAUSSIAN;
      layers.add(
          new StochasticLayer(
              required(l, "name").textValue(),
              required(l, "latent_dim").intValue(),
              hidden,
              family));
    }
    int conditionDim = a.path("condition_dim").asInt(0);
    Prior prior =
        a.hasNonNull("prior")
            ? Prior.byName(a.get("prior").textValue())
            : layers.isEmpty()
                ? Prior.STANDARD_NORMAL
                : Prior.defaultFor(layers.get(layers.size() - 1).family(), conditionDim);
    VaeArchitecture architecture =
        new VaeArchitecture(
            required(a, "input_dim").intValue(),
            layers,
            Activation.valueOf(required(a, "activation").textValue().toUpperCase(Locale.ROOT)),
            LikelihoodFamily.valueOf(
                required(a, "likelihood").textValue().toUpperCase(Locale.ROOT)),
            required(a, "likelihood_sigma").doubleValue(),
            conditionDim,
            prior,
            a.path("likelihood_min_variance").asDouble(0),
            a.hasNonNull("inference")
                ? InferenceStructure.byName(a.get("inference").textValue())
                : InferenceStructure.BOTTOM_UP,
            inputShape(a));
    JsonNode o = required(root, "objective");
    String kind = required(o, "kind").textValue();
    Objective objective =
        switch (kind) {
          case "elbo" -> new Objective.Elbo();
          case "beta_vae" -> new Objective.BetaVae(required(o, "beta").doubleValue());
          case "hit" ->
              new Objective.Hit(
                  required(o, "beta_y").doubleValue(),
                  required(o, "beta_z").doubleValue(),
                  o.path("warmup_epochs").asInt(0));
          case "iwae" -> new Objective.Iwae(required(o, "k").intValue());
          case "dreg" -> new Objective.Dreg(required(o, "k").intValue());
          case "info_vae" ->
              o.hasNonNull("mi")
                  ? Objective.InfoVae.of(constraints(o))
                  : new Objective.InfoVae(
                      required(o, "alpha").doubleValue(), required(o, "lambda").doubleValue());
          case "lag_vae" -> {
            JsonNode dual = required(o, "multiplier_optimizer");
            yield new Objective.LagVae(
                constraints(o),
                new Objective.DualOptimizer(
                    required(dual, "learning_rate").doubleValue(),
                    required(dual, "decay").doubleValue(),
                    required(dual, "epsilon").doubleValue()));
          }
          case "vimco" -> new Objective.Vimco(required(o, "k").intValue());
          case "rws" ->
              new Objective.Rws(
                  required(o, "k").intValue(),
                  Objective.RwsPhi.valueOf(
                      required(o, "phi").textValue().toUpperCase(Locale.ROOT)));
          case "dvae", "dvae_pp", "dvae_sharp" ->
              new Objective.Dvae(
                  Objective.DvaeVariant.valueOf(kind.toUpperCase(Locale.ROOT)),
                  Smoothing.of(
                      SmoothingKind.byName(required(o, "smoothing").textValue()),
                      required(o, "beta").doubleValue()),
                  required(o, "k").intValue(),
                  new Objective.Pcd(
                      required(o, "pcd_chains").intValue(), required(o, "pcd_sweeps").intValue()),
                  new Objective.Ais(
                      required(o, "ais_temperatures").intValue(),
                      required(o, "ais_chains").intValue()));
          default -> throw new IllegalArgumentException("unknown objective kind " + kind);
        };
    JsonNode opt = required(root, "optimizer");
    return new TrainingSpec(
        required(root, "model_name").textValue(),
        required(root, "dataset").textValue(),
        architecture,
        objective,
        required(opt, "learning_rate").doubleValue(),
        required(opt, "batch_size").intValue(),
        required(root, "epochs").intValue(),
        Long.parseUnsignedLong(required(root, "seed").textValue()),
        required(root, "validation_k").intValue());
  }

  private static void putConstraints(ObjectNode objective, Objective.Constraints c) {
    objective.put("mi", c.mi());
    objective.put("e1", c.e1());
    objective.put("e2", c.e2());
  }

  private static Objective.Constraints constraints(JsonNode o) {
    return new Objective.Constraints(
        required(o, "mi").doubleValue(),
        required(o, "e1").doubleValue(),
        required(o, "e2").doubleValue());
  }

  /** The architecture's "input_shape", or null (a plain vector) when absent. */
  private static List<Integer> inputShape(JsonNode a) {
    if (!a.hasNonNull("input_shape")) {
      return null;
    }
    List<Integer> shape = new ArrayList<>();
    a.get("input_shape").forEach(d -> shape.add(d.intValue()));
    return shape;
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("training spec JSON lacks " + field);
    }
    return value;
  }
}
