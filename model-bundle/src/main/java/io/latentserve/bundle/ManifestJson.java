package io.latentserve.bundle;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentserve.model.Activation;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.LogPartition;
import io.latentserve.model.Prior;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The JSON form of a {@link Manifest} ({@code manifest.json}), written and read field by field so
 * that the schema stays fixed whatever the Java types become. Format 1:
 *
 * <pre>{@code
 * {
 *   "formatVersion": 1,
 *   "inputShape": [784],
 *   "conditionDim": 10,
 *   "likelihood": {"family": "bernoulli" | "gaussian_fixed" | "gaussian_learned", "sigma": 0.0,
 *                  "minVariance": 0.001},
 *   "activation": "tanh" | "relu",
 *   "latentLayers": [{"name": "z1", "dim": 50, "family": "gaussian" | "bernoulli",
 *                     "hidden": [200, 200]}],
 *   "prior": "standard_normal" | "conditional" | "learned" | "rbm",
 *   "rbmPrior": {"n1": 100, "n2": 100, "logZ": 212.5, "standardError": 0.02, "method": "ais",
 *                "temperatures": 1000, "chains": 1024, "seed": 1},
 *   "graphs": {
 *     "encoder": {"file": "encoder.onnx",
 *                 "inputs": [{"name": "x", "shape": [-1, 784]}, ...], "outputs": [...]},
 *     "decoder": {...}, "log_joint": {...}, "log_posterior": {...}, "log_weights": {...}
 *   },
 *   "provenance": {"specJson": "{...}", "dataset": "mnist", "seed": 1, "epochs": 10,
 *                  "finalMetrics": {"iwae_bound": -88.1}, "codeVersion": "0.1.0",
 *                  "created": "2025-01-01T00:00:00Z", "jobId": "<uuid>"},
 *   "sha256": {"encoder.onnx": "<64 lower-case hex digits>", ...}
 * }
 * }</pre>
 *
 * <p>Layers are listed bottom-up (next to the data first); {@code sigma} is the fixed standard
 * deviation of {@code gaussian_fixed} and 0 for the other families; {@code minVariance}, written
 * only for a {@code gaussian_learned} likelihood with a floor, is that floor on its variance (the
 * graphs hold the decoder's log variance at or above its log; absent: no floor); shapes use -1 for
 * a dynamic dimension; graphs are keyed by the lower-case {@link GraphRole} name; non-finite
 * metrics are the strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}. Unknown fields
 * are ignored; {@code prior} is the top layer's {@link io.latentserve.model.Prior}, read as the
 * default prior of the top layer's family when absent (bundles written before latent families had
 * no other); every listed field is required except {@code prior}, {@code provenance.jobId} (written
 * only for a bundle a training job published, read as "" when absent) and {@code conditionDim}: the
 * size C of the condition y of a conditional model (see {@link VaeArchitecture}), written only when
 * it is > 0 and read as 0 when absent, so that unconditional manifests are the same as before
 * conditioning existed. {@code rbmPrior} is written for, and required of, a model with the {@code
 * rbm} prior alone: the halves' sizes (checked against the layers) and its {@link
 * io.latentserve.model.LogPartition} ({@code method} "exact" or "ais"; temperatures, chains and
 * seed 0 for exact).
 */
public final class ManifestJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(SerializationFeature.INDENT_OUTPUT);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int MAX_SHOWN_CHARS = 80;

  private ManifestJson() {}

  /** The manifest as indented JSON, fields and map keys in a fixed order, ending in a newline. */
  public static String write(Manifest manifest) {
    VaeArchitecture arch = manifest.architecture();
    ObjectNode root = NODES.objectNode();
    root.put("formatVersion", manifest.formatVersion());
    root.putArray("inputShape").add(arch.inputDim());
    if (arch.conditional()) {
      root.put("conditionDim", arch.conditionDim());
    }
    ObjectNode likelihood = root.putObject("likelihood");
    likelihood.put("family", lowerCase(arch.likelihood()));
    likelihood.put("sigma", arch.likelihoodSigma());
    if (arch.likelihoodMinVariance() > 0) {
      likelihood.put("minVariance", arch.likelihoodMinVariance());
    }
    root.put("activation", lowerCase(arch.activation()));
    ArrayNode layers = root.putArray("latentLayers");
    for (StochasticLayer layer : arch.layers()) {
      ObjectNode node = layers.addObject();
      node.put("name", layer.name());
      node.put("dim", layer.latentDim());
      node.put("family", layer.family().name());
      ArrayNode hidden = node.putArray("hidden");
      layer.hidden().forEach(hidden::add);
    }
    root.put("prior", arch.prior().name());
    LogPartition logZ = manifest.logPartition();
    if (logZ != null) {
      ObjectNode rbm = root.putObject("rbmPrior");
      rbm.put("n1", arch.rbmFirstHalf());
      rbm.put("n2", arch.rbmUnits() - arch.rbmFirstHalf());
      rbm.put("logZ", logZ.logZ());
      rbm.put("standardError", logZ.standardError());
      rbm.put("method", logZ.method());
      rbm.put("temperatures", logZ.temperatures());
      rbm.put("chains", logZ.chains());
      rbm.put("seed", logZ.seed());
    }
    ObjectNode graphs = root.putObject("graphs");
    for (GraphRole role : GraphRole.values()) {
      GraphSpec spec = manifest.graphs().get(role);
      if (spec != null) {
        ObjectNode node = graphs.putObject(lowerCase(role));
        node.put("file", spec.file());
        writeTensors(node.putArray("inputs"), spec.inputs());
        writeTensors(node.putArray("outputs"), spec.outputs());
      }
    }
    Provenance provenance = manifest.provenance();
    ObjectNode prov = root.putObject("provenance");
    prov.put("specJson", provenance.specJson());
    prov.put("dataset", provenance.dataset());
    prov.put("seed", provenance.seed());
    prov.put("epochs", provenance.epochs());
    ObjectNode metrics = prov.putObject("finalMetrics");
    new TreeMap<>(provenance.finalMetrics())
        .forEach(
            (name, value) -> {
              if (Double.isFinite(value)) {
                metrics.put(name, value);
              } else {
                metrics.put(name, value.toString());
              }
            });
    prov.put("codeVersion", provenance.codeVersion());
    prov.put("created", provenance.created().toString());
    if (!provenance.jobId().isEmpty()) {
      prov.put("jobId", provenance.jobId());
    }
    // Only when set, so that bundles published without tokens keep their bytes (and digests).
    if (!provenance.publishedBy().isEmpty()) {
      prov.put("publishedBy", provenance.publishedBy());
    }
    ObjectNode sha = root.putObject("sha256");
    new TreeMap<>(manifest.sha256()).forEach(sha::put);
    try {
      return MAPPER.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  private static void writeTensors(ArrayNode array, List<TensorSpec> tensors) {
    for (TensorSpec tensor : tensors) {
      ObjectNode node = array.addObject();
      node.put("name", tensor.name());
      ArrayNode shape = node.putArray("shape");
      tensor.shape().forEach(shape::add);
    }
  }

  /**
   * Parses and validates a manifest.
   *
   * @throws BundleException if the text is not JSON, the format version is unknown, or a field is
   *     missing or has a bad value; the message names the field, the expected and the actual value
   */
  public static Manifest read(String json) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new BundleException("manifest is not valid JSON: " + e.getOriginalMessage(), e);
    }
    Field root = new Field(tree, "");
    if (tree == null || !tree.isObject()) {
      throw root.bad("a JSON object");
    }
    Field version = root.field("formatVersion");
    if (!version.node.isIntegralNumber() || version.node.asLong() != Manifest.FORMAT_VERSION) {
      throw version.bad(String.valueOf(Manifest.FORMAT_VERSION));
    }

    VaeArchitecture architecture = readArchitecture(root);
    Map<GraphRole, GraphSpec> graphs = readGraphs(root.field("graphs"));
    Provenance provenance = readProvenance(root.field("provenance"));
    Map<String, String> sha256 = readSha256(root.field("sha256"));
    LogPartition logPartition = readRbmPrior(root, architecture);
    return root.construct(
        () ->
            new Manifest(
                Manifest.FORMAT_VERSION, architecture, graphs, provenance, sha256, logPartition));
  }

  private static LogPartition readRbmPrior(Field root, VaeArchitecture architecture) {
    if (!root.node.has("rbmPrior")) {
      if (architecture.rbmUnits() > 0) {
        throw root.field("rbmPrior").bad("the rbm prior's halves and log Z");
      }
      return null;
    }
    Field rbm = root.field("rbmPrior");
    if (architecture.rbmUnits() == 0) {
      throw rbm.bad("absent for the " + architecture.prior().name() + " prior");
    }
    rbm.requireObject();
    Field n1 = rbm.field("n1");
    if (n1.positiveInt() != architecture.rbmFirstHalf()) {
      throw n1.bad(String.valueOf(architecture.rbmFirstHalf()));
    }
    Field n2 = rbm.field("n2");
    if (n2.positiveInt() != architecture.rbmUnits() - architecture.rbmFirstHalf()) {
      throw n2.bad(String.valueOf(architecture.rbmUnits() - architecture.rbmFirstHalf()));
    }
    double logZ = rbm.field("logZ").number();
    double se = rbm.field("standardError").number();
    String method = rbm.field("method").text();
    int temperatures = rbm.field("temperatures").nonNegativeInt();
    int chains = rbm.field("chains").nonNegativeInt();
    long seed = rbm.field("seed").longValue();
    return rbm.construct(() -> new LogPartition(logZ, se, method, temperatures, chains, seed));
  }

  private static VaeArchitecture readArchitecture(Field root) {
    Field shape = root.field("inputShape");
    if (!shape.node.isArray() || shape.node.size() != 1) {
      throw shape.bad("an array of one integer [D]");
    }
    int inputDim = shape.element(0).positiveInt();
    int conditionDim = 0;
    if (root.node.has("conditionDim")) {
      conditionDim = root.field("conditionDim").nonNegativeInt();
    }

    Field likelihood = root.field("likelihood");
    likelihood.requireObject();
    Field familyField = likelihood.field("family");
    LikelihoodFamily family = familyField.enumValue(LikelihoodFamily.class);
    Field sigmaField = likelihood.field("sigma");
    double sigma = sigmaField.number();
    if (family == LikelihoodFamily.GAUSSIAN_FIXED) {
      if (!(sigma > 0 && Double.isFinite(sigma))) {
        throw sigmaField.bad("a finite number > 0 for gaussian_fixed");
      }
    } else if (sigma != 0) {
      throw sigmaField.bad("0 for " + lowerCase(family));
    }
    double minVariance = 0;
    if (likelihood.node.has("minVariance")) {
      Field minVarianceField = likelihood.field("minVariance");
      minVariance = minVarianceField.number();
      if (family != LikelihoodFamily.GAUSSIAN_LEARNED) {
        throw minVarianceField.bad("absent for " + lowerCase(family));
      }
      if (!(minVariance > 0 && Double.isFinite(minVariance))) {
        throw minVarianceField.bad("a finite number > 0");
      }
    }
    double floor = minVariance;

    Activation activation = root.field("activation").enumValue(Activation.class);

    Field layersField = root.field("latentLayers");
    if (!layersField.node.isArray() || layersField.node.isEmpty()) {
      throw layersField.bad("a non-empty array of latent layers");
    }
    List<StochasticLayer> layers = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < layersField.node.size(); i++) {
      Field layer = layersField.element(i);
      layer.requireObject();
      Field nameField = layer.field("name");
      String name = nameField.text();
      if (!name.matches("[a-z][a-z0-9_]{0,31}")) {
        throw nameField.bad("a layer name matching [a-z][a-z0-9_]{0,31}");
      }
      if (!names.add(name)) {
        throw nameField.bad("a name distinct from the layers before");
      }
      int dim = layer.field("dim").positiveInt();
      Field familyOfLayer = layer.field("family");
      LatentFamily latentFamily = familyOfLayer.named(LatentFamily.all(), LatentFamily::name);
      Field hiddenField = layer.field("hidden");
      hiddenField.requireArray("an array of hidden widths > 0");
      List<Integer> hidden = new ArrayList<>();
      for (int j = 0; j < hiddenField.node.size(); j++) {
        hidden.add(hiddenField.element(j).positiveInt());
      }
      layers.add(layer.construct(() -> new StochasticLayer(name, dim, hidden, latentFamily)));
    }
    int c = conditionDim;
    Prior prior =
        root.node.has("prior")
            ? root.field("prior").named(Prior.all(), Prior::name)
            : Prior.defaultFor(layers.get(layers.size() - 1).family(), c);
    return root.construct(
        () -> new VaeArchitecture(inputDim, layers, activation, family, sigma, c, prior, floor));
  }

  private static Map<GraphRole, GraphSpec> readGraphs(Field graphsField) {
    graphsField.requireObject();
    Map<GraphRole, GraphSpec> graphs = new EnumMap<>(GraphRole.class);
    for (Iterator<String> it = graphsField.node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      Field graph = graphsField.field(key);
      GraphRole role = roleOf(key);
      if (role == null) {
        throw new BundleException(
            "manifest field graphs: expected keys among "
                + lowerCaseNames(GraphRole.values())
                + ", got \""
                + shorten(key)
                + "\"");
      }
      graph.requireObject();
      Field fileField = graph.field("file");
      String file = fileField.text();
      if (!file.matches("[a-z0-9_]+\\.onnx")) {
        throw fileField.bad("a file name matching [a-z0-9_]+.onnx");
      }
      List<TensorSpec> inputs = readTensors(graph.field("inputs"));
      List<TensorSpec> outputs = readTensors(graph.field("outputs"));
      graphs.put(role, graph.construct(() -> new GraphSpec(file, inputs, outputs)));
    }
    return graphs;
  }

  private static GraphRole roleOf(String key) {
    for (GraphRole role : GraphRole.values()) {
      if (lowerCase(role).equals(key)) {
        return role;
      }
    }
    return null;
  }

  private static List<TensorSpec> readTensors(Field array) {
    array.requireArray("an array of {name, shape} tensors");
    List<TensorSpec> tensors = new ArrayList<>();
    for (int i = 0; i < array.node.size(); i++) {
      Field tensor = array.element(i);
      tensor.requireObject();
      Field nameField = tensor.field("name");
      String name = nameField.text();
      if (name.isBlank()) {
        throw nameField.bad("a non-blank tensor name");
      }
      Field shapeField = tensor.field("shape");
      shapeField.requireArray("an array of dimensions, each -1 or > 0");
      List<Long> shape = new ArrayList<>();
      for (int j = 0; j < shapeField.node.size(); j++) {
        Field dim = shapeField.element(j);
        long d = dim.longValue();
        if (d < -1 || d == 0) {
          throw dim.bad("a dimension of -1 (dynamic) or > 0");
        }
        shape.add(d);
      }
      tensors.add(tensor.construct(() -> new TensorSpec(name, shape)));
    }
    return tensors;
  }

  private static Provenance readProvenance(Field prov) {
    prov.requireObject();
    String specJson = prov.field("specJson").text();
    String dataset = prov.field("dataset").text();
    long seed = prov.field("seed").longValue();
    Field epochsField = prov.field("epochs");
    long epochs = epochsField.longValue();
    if (epochs < 0 || epochs > Integer.MAX_VALUE) {
      throw epochsField.bad("an integer in [0, " + Integer.MAX_VALUE + "]");
    }
    Field metricsField = prov.field("finalMetrics");
    metricsField.requireObject();
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (Iterator<String> it = metricsField.node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      metrics.put(name, metricsField.field(name).metric());
    }
    String codeVersion = prov.field("codeVersion").text();
    Field createdField = prov.field("created");
    Instant created;
    try {
      created = Instant.parse(createdField.text());
    } catch (DateTimeParseException e) {
      throw createdField.bad("an ISO-8601 instant such as 2025-01-31T12:00:00Z");
    }
    String jobId = prov.node.has("jobId") ? prov.field("jobId").text() : "";
    String publishedBy = prov.node.has("publishedBy") ? prov.field("publishedBy").text() : "";
    return prov.construct(
        () ->
            new Provenance(
                specJson,
                dataset,
                seed,
                (int) epochs,
                metrics,
                codeVersion,
                created,
                jobId,
                publishedBy));
  }

  private static Map<String, String> readSha256(Field shaField) {
    shaField.requireObject();
    Map<String, String> sha256 = new LinkedHashMap<>();
    for (Iterator<String> it = shaField.node.fieldNames(); it.hasNext(); ) {
      String file = it.next();
      if (!BundleFiles.isValidFileName(file)) {
        throw new BundleException(
            "manifest field sha256: expected file names of "
                + BundleFiles.fileNameRule()
                + ", got \""
                + shorten(file)
                + "\"");
      }
      Field digest = shaField.field(file);
      String hex = digest.text();
      if (!BundleFiles.isSha256Hex(hex)) {
        throw digest.bad("64 lower-case hex digits");
      }
      sha256.put(file, hex);
    }
    return sha256;
  }

  private static String lowerCase(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private static List<String> lowerCaseNames(Enum<?>[] values) {
    List<String> names = new ArrayList<>();
    for (Enum<?> value : values) {
      names.add(lowerCase(value));
    }
    return names;
  }

  private static String shorten(String text) {
    return text.length() <= MAX_SHOWN_CHARS ? text : text.substring(0, MAX_SHOWN_CHARS) + "...";
  }

  /** A JSON value with its path from the root, for error messages. */
  private static final class Field {
    final JsonNode node;
    final String path;

    Field(JsonNode node, String path) {
      this.node = node;
      this.path = path;
    }

    /** A required member of this object. */
    Field field(String name) {
      String childPath = path.isEmpty() ? name : path + "." + name;
      JsonNode child = node.get(name);
      if (child == null || child.isNull()) {
        throw new BundleException(
            "manifest field " + childPath + ": required, got " + (child == null ? "none" : "null"));
      }
      return new Field(child, childPath);
    }

    Field element(int index) {
      return new Field(node.get(index), path + "[" + index + "]");
    }

    void requireObject() {
      if (!node.isObject()) {
        throw bad("a JSON object");
      }
    }

    void requireArray(String expected) {
      if (!node.isArray()) {
        throw bad(expected);
      }
    }

    String text() {
      if (!node.isTextual()) {
        throw bad("a string");
      }
      return node.textValue();
    }

    long longValue() {
      if (!node.isIntegralNumber() || !node.canConvertToLong()) {
        throw bad("a 64-bit integer");
      }
      return node.longValue();
    }

    int positiveInt() {
      if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() <= 0) {
        throw bad("an integer > 0");
      }
      return node.intValue();
    }

    int nonNegativeInt() {
      if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
        throw bad("an integer >= 0");
      }
      return node.intValue();
    }

    double number() {
      if (!node.isNumber()) {
        throw bad("a number");
      }
      return node.doubleValue();
    }

    /** A number, or one of the strings "NaN", "Infinity", "-Infinity". */
    double metric() {
      if (node.isNumber()) {
        return node.doubleValue();
      }
      if (node.isTextual()) {
        switch (node.textValue()) {
          case "NaN":
            return Double.NaN;
          case "Infinity":
            return Double.POSITIVE_INFINITY;
          case "-Infinity":
            return Double.NEGATIVE_INFINITY;
          default:
            break;
        }
      }
      throw bad("a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
    }

    /** The value among {@code values} whose name is this field's text. */
    <T> T named(List<T> values, Function<T, String> name) {
      if (node.isTextual()) {
        for (T value : values) {
          if (name.apply(value).equals(node.textValue())) {
            return value;
          }
        }
      }
      throw bad("one of " + values.stream().map(name).toList());
    }

    <E extends Enum<E>> E enumValue(Class<E> type) {
      E[] values = type.getEnumConstants();
      if (node.isTextual()) {
        for (E value : values) {
          if (lowerCase(value).equals(node.textValue())) {
            return value;
          }
        }
      }
      throw bad("one of " + lowerCaseNames(values));
    }

    /** Builds a value, reporting a rejection by its constructor against this field. */
    <T> T construct(Supplier<T> constructor) {
      try {
        return constructor.get();
      } catch (IllegalArgumentException e) {
        throw new BundleException(
            "manifest field " + (path.isEmpty() ? "(root)" : path) + ": " + e.getMessage(), e);
      }
    }

    BundleException bad(String expected) {
      return new BundleException(
          "manifest field "
              + (path.isEmpty() ? "(root)" : path)
              + ": expected "
              + expected
              + ", got "
              + shorten(String.valueOf(node)));
    }
  }
}
