package io.latentserve.bundle.onnx;

import ai.onnx.proto.OnnxMl;
import io.latentserve.bundle.GraphSpec;
import io.latentserve.bundle.TensorSpec;
import io.latentserve.model.Dense;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Builds one float32 ONNX graph whose inputs and outputs are exactly those of a {@link GraphSpec},
 * in its order, on top of Tribuo's {@link ONNXContext}.
 *
 * <p>Tribuo declares every placeholder as [batch, width]; {@link #build} replaces those
 * declarations with the spec's shapes, naming dynamic dimension 0 "N" and dynamic dimension 1 "K".
 * Internal tensor names contain '/', which layer names cannot, so they never clash with graph
 * inputs or outputs.
 */
final class OnnxGraphBuilder {
  /** IR version 7 is the one that introduced opset 13. */
  static final long IR_VERSION = 7;

  /** The default-domain opset the exporter's own graphs declare. */
  static final int OPSET = 13;

  /** The first opset whose ReduceProd takes its axes as an input instead of an attribute. */
  private static final int REDUCE_AXES_INPUT_OPSET = 18;

  private static final String[] DYNAMIC_DIMENSION_NAMES = {"N", "K"};

  private final ONNXContext context = new ONNXContext();
  private final GraphSpec spec;
  private final Map<String, ONNXPlaceholder> inputs = new LinkedHashMap<>();
  private final Map<String, ONNXPlaceholder> outputs = new HashMap<>();
  private final Map<Integer, ONNXRef<?>> floatConstants = new HashMap<>();
  private final Map<Long, ONNXRef<?>> axes = new HashMap<>();
  private final Map<List<Long>, ONNXRef<?>> shapes = new HashMap<>();
  private final Map<Dense, Parameters> parameters = new IdentityHashMap<>();
  private final int opset;
  private final long irVersion;
  private final List<OnnxMl.NodeProto> embeddedNodes = new ArrayList<>();
  private final List<OnnxMl.TensorProto> embeddedInitializers = new ArrayList<>();

  OnnxGraphBuilder(GraphSpec spec, String graphName) {
    this(spec, graphName, OPSET, IR_VERSION);
  }

  /**
   * A builder whose graph declares {@code opset} of the default domain (>= {@link #OPSET}; the
   * nodes it writes mean the same from opset 13 to 21) and IR version {@code irVersion}.
   */
  OnnxGraphBuilder(GraphSpec spec, String graphName, int opset, long irVersion) {
    if (opset < OPSET) {
      throw new IllegalArgumentException("opset must be >= " + OPSET + ", got " + opset);
    }
    this.spec = spec;
    this.opset = opset;
    this.irVersion = Math.max(IR_VERSION, irVersion);
    context.setName(graphName);
    for (TensorSpec input : spec.inputs()) {
      inputs.put(input.name(), context.floatInput(input.name(), 1));
    }
  }

  /** The graph input called {@code name}. */
  ONNXRef<?> input(String name) {
    ONNXPlaceholder input = inputs.get(name);
    if (input == null) {
      throw new IllegalArgumentException(spec.file() + " has no input " + name);
    }
    return input;
  }

  /** Makes {@code value} the graph output called {@code name}. */
  void output(String name, ONNXRef<?> value) {
    if (spec.outputs().stream().noneMatch(o -> o.name().equals(name))) {
      throw new IllegalArgumentException(spec.file() + " has no output " + name);
    }
    if (outputs.containsKey(name)) {
      throw new IllegalStateException(spec.file() + " output " + name + " is already set");
    }
    ONNXPlaceholder output = context.floatOutput(name, 1);
    value.assignTo(output);
    outputs.put(name, output);
  }

  /** A float32 scalar constant, shared by every use of the same value. */
  ONNXRef<?> constant(float value) {
    return floatConstants.computeIfAbsent(
        Float.floatToIntBits(value), bits -> context.constant("const", value));
  }

  /** {@code x W + b} for a [.., in] input: a MatMul that broadcasts over leading dimensions. */
  ONNXRef<?> dense(ONNXRef<?> x, Dense layer, String name) {
    Parameters p = parameters(layer, name);
    return add(
        binary(VaeOnnxOperators.MAT_MUL, x, p.weight(), name + "/matmul"), p.bias(), name + "/out");
  }

  /**
   * {@code x W + b} for a [rows, in] matrix as one Gemm, so that ONNX Runtime adds the bias inside
   * the matrix product instead of in a separate pass over the output.
   */
  ONNXRef<?> denseMatrix(ONNXRef<?> x, Dense layer, String name) {
    Parameters p = parameters(layer, name);
    return context.operation(
        ONNXOperators.GEMM, List.<ONNXRef<?>>of(x, p.weight(), p.bias()), name + "/gemm", Map.of());
  }

  /**
   * The bias [out] of a layer without inputs ({@code in = 0}): the learned constant it stands for,
   * broadcasting against any [.., out] tensor.
   */
  ONNXRef<?> constantLayer(Dense layer, String name) {
    if (layer.in() != 0) {
      throw new IllegalArgumentException(name + " reads " + layer.in() + " inputs, not 0");
    }
    return context.array(name + "/bias", layer.bias());
  }

  /** The shape of {@code x} as an int64 vector. */
  ONNXRef<?> shapeOf(ONNXRef<?> x, String name) {
    return context.operation(VaeOnnxOperators.SHAPE, List.of(x), name);
  }

  /** The initializers of a layer's weight [in, out] and bias [out], shared by every use. */
  private Parameters parameters(Dense layer, String name) {
    return parameters.computeIfAbsent(
        layer,
        l -> {
          float[] weight = l.weight();
          return new Parameters(
              context.floatTensor(name + "/weight", List.of(l.in(), l.out()), fb -> fb.put(weight)),
              context.array(name + "/bias", l.bias()));
        });
  }

  private record Parameters(ONNXRef<?> weight, ONNXRef<?> bias) {}

  ONNXRef<?> add(ONNXRef<?> a, ONNXRef<?> b, String name) {
    return binary(ONNXOperators.ADD, a, b, name);
  }

  ONNXRef<?> sub(ONNXRef<?> a, ONNXRef<?> b, String name) {
    return binary(ONNXOperators.SUB, a, b, name);
  }

  ONNXRef<?> mul(ONNXRef<?> a, ONNXRef<?> b, String name) {
    return binary(ONNXOperators.MUL, a, b, name);
  }

  ONNXRef<?> mul(ONNXRef<?> a, float b, String name) {
    return mul(a, constant(b), name);
  }

  ONNXRef<?> add(ONNXRef<?> a, float b, String name) {
    return add(a, constant(b), name);
  }

  /** max(a, b) element-wise, b a scalar constant broadcast over a. */
  ONNXRef<?> max(ONNXRef<?> a, float b, String name) {
    return binary(VaeOnnxOperators.MAX, a, constant(b), name);
  }

  ONNXRef<?> unary(ONNXOperator op, ONNXRef<?> x, String name) {
    return context.operation(op, List.of(x), name, Map.of());
  }

  /** Sum over the last axis, which is dropped: [.., d] -> [..]. */
  ONNXRef<?> sumLastAxis(ONNXRef<?> x, String name) {
    return context.operation(
        ONNXOperators.REDUCE_SUM,
        List.<ONNXRef<?>>of(x, axis(-1)),
        name,
        Map.<String, Object>of("keepdims", 0));
  }

  /** Product over the last axis, which is dropped: [.., d] -> [..]. */
  ONNXRef<?> productLastAxis(ONNXRef<?> x, String name) {
    if (opset >= REDUCE_AXES_INPUT_OPSET) {
      return context.operation(
          VaeOnnxOperators.REDUCE_PROD_AXES_INPUT,
          List.<ONNXRef<?>>of(x, axis(-1)),
          name,
          Map.<String, Object>of("keepdims", 0));
    }
    return context.operation(
        VaeOnnxOperators.REDUCE_PROD,
        List.of(x),
        name,
        attributes("axes", new int[] {-1}, "keepdims", 0));
  }

  /** Inserts a dimension of size 1 at {@code axis}. */
  ONNXRef<?> unsqueeze(ONNXRef<?> x, long axis, String name) {
    return context.operation(ONNXOperators.UNSQUEEZE, List.<ONNXRef<?>>of(x, axis(axis)), name);
  }

  /** {@code x} reshaped to a constant shape (one entry may be -1, inferred from the size). */
  ONNXRef<?> reshape(ONNXRef<?> x, long[] shape, String name) {
    ONNXRef<?> target =
        shapes.computeIfAbsent(
            Arrays.stream(shape).boxed().toList(), s -> context.array("shape", shape));
    return reshape(x, target, name);
  }

  /** {@code x} reshaped to the shape held by the int64 vector {@code shape}. */
  ONNXRef<?> reshape(ONNXRef<?> x, ONNXRef<?> shape, String name) {
    return binary(VaeOnnxOperators.RESHAPE, x, shape, name);
  }

  /** The first {@code count} dimensions of {@code x}'s shape, as an int64 vector. */
  ONNXRef<?> leadingDimensions(ONNXRef<?> x, int count, String name) {
    ONNXRef<?> shape = context.operation(VaeOnnxOperators.SHAPE, List.of(x), name + "/shape");
    return context.operation(
        VaeOnnxOperators.SLICE,
        List.<ONNXRef<?>>of(
            shape,
            context.array(name + "/start", new long[] {0}),
            context.array(name + "/end", new long[] {count})),
        name);
  }

  /** int64 vectors joined end to end. */
  ONNXRef<?> concat(List<ONNXRef<?>> vectors, String name) {
    return context.operation(
        ONNXOperators.CONCAT, vectors, name, Map.<String, Object>of("axis", 0));
  }

  /** Float matrices [rows, a] and [rows, b] side by side: [rows, a + b]. */
  ONNXRef<?> concatColumns(ONNXRef<?> left, ONNXRef<?> right, String name) {
    return context.operation(
        ONNXOperators.CONCAT,
        List.<ONNXRef<?>>of(left, right),
        name,
        Map.<String, Object>of("axis", 1));
  }

  /** {@code x} broadcast to the shape held by the int64 vector {@code shape}. */
  ONNXRef<?> expand(ONNXRef<?> x, ONNXRef<?> shape, String name) {
    return binary(VaeOnnxOperators.EXPAND, x, shape, name);
  }

  /** A constant float32 vector. */
  ONNXRef<?> floats(float[] values, String name) {
    return context.array(name, values);
  }

  /** Matrix product with numpy broadcasting (a [.., m, k] by b [k, n] or [k]). */
  ONNXRef<?> matMul(ONNXRef<?> a, ONNXRef<?> b, String name) {
    return binary(VaeOnnxOperators.MAT_MUL, a, b, name);
  }

  /** Columns [from, to) of a matrix [rows, width]. */
  ONNXRef<?> columns(ONNXRef<?> x, long from, long to, String name) {
    return context.operation(
        VaeOnnxOperators.SLICE,
        List.<ONNXRef<?>>of(
            x,
            context.array(name + "/start", new long[] {0, from}),
            context.array(name + "/end", new long[] {Long.MAX_VALUE, to})),
        name);
  }

  /** A constant int64 vector. */
  ONNXRef<?> longs(long[] values, String name) {
    return context.array(name, values);
  }

  /**
   * Adds the nodes and initializers of another graph, every tensor renamed under {@code prefix}
   * except its inputs, which read the given tensors of this graph.
   *
   * @param inputs this graph's tensor for each input of {@code graph} that has no initializer
   * @param outputs names of {@code graph}'s outputs to return, in the order wanted
   * @return the embedded graph's outputs as tensors of this graph
   */
  List<ONNXRef<?>> embed(
      OnnxMl.GraphProto graph,
      String prefix,
      Map<String, ONNXRef<?>> inputs,
      List<String> outputs) {
    Map<String, String> bound = new HashMap<>();
    inputs.forEach((name, ref) -> bound.put(name, ref.getReference()));
    EmbeddedGraph embedded = EmbeddedGraph.renamed(graph, prefix, bound);
    embeddedNodes.addAll(embedded.nodes());
    embeddedInitializers.addAll(embedded.initializers());
    List<ONNXRef<?>> refs = new ArrayList<>();
    for (String output : outputs) {
      // A placeholder names the embedded output; build() drops it from the graph's inputs.
      refs.add(context.floatInput(embedded.name(output), 1));
    }
    return refs;
  }

  private ONNXRef<?> binary(ONNXOperator op, ONNXRef<?> a, ONNXRef<?> b, String name) {
    return context.operation(op, List.<ONNXRef<?>>of(a, b), name, Map.of());
  }

  private ONNXRef<?> axis(long value) {
    return axes.computeIfAbsent(value, v -> context.array("axes", new long[] {v}));
  }

  /**
   * The serialized model: opset 13, the spec's inputs and outputs, a doc string and metadata.
   *
   * @throws IllegalStateException if an output of the spec was never set
   */
  byte[] build(String docString, String producerVersion, Map<String, String> metadata) {
    OnnxMl.GraphProto.Builder graph = context.buildGraph().toBuilder();
    graph.clearInput();
    for (TensorSpec input : spec.inputs()) {
      graph.addInput(valueInfo(input));
    }
    graph.clearOutput();
    for (TensorSpec output : spec.outputs()) {
      if (!outputs.containsKey(output.name())) {
        throw new IllegalStateException(spec.file() + " output " + output.name() + " was not set");
      }
      graph.addOutput(valueInfo(output));
    }
    graph.setDocString(docString);
    if (!embeddedNodes.isEmpty()) {
      graph.addAllInitializer(embeddedInitializers);
      List<OnnxMl.NodeProto> nodes = new ArrayList<>(graph.getNodeList());
      nodes.addAll(embeddedNodes);
      graph.clearNode().addAllNode(EmbeddedGraph.topologicalOrder(graph.build(), nodes));
    }
    OnnxMl.ModelProto.Builder model =
        OnnxMl.ModelProto.newBuilder()
            .setIrVersion(irVersion)
            .addOpsetImport(ONNXOperators.getOpsetProto().toBuilder().setVersion(opset))
            .setProducerName(VaeOnnxExporter.PRODUCER_NAME)
            .setProducerVersion(producerVersion)
            .setDomain("io.latentserve")
            .setModelVersion(1)
            .setDocString(docString)
            .setGraph(graph);
    metadata.forEach(
        (key, value) ->
            model.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
    return model.build().toByteArray();
  }

  private static OnnxMl.ValueInfoProto valueInfo(TensorSpec tensor) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    List<Long> dims = tensor.shape();
    for (int i = 0; i < dims.size(); i++) {
      long d = dims.get(i);
      OnnxMl.TensorShapeProto.Dimension.Builder dim =
          OnnxMl.TensorShapeProto.Dimension.newBuilder();
      if (d < 0) {
        if (i >= DYNAMIC_DIMENSION_NAMES.length) {
          throw new IllegalArgumentException(
              "only the first two dimensions may be dynamic, " + tensor.name() + " has " + dims);
        }
        dim.setDimParam(DYNAMIC_DIMENSION_NAMES[i]);
      } else {
        dim.setDimValue(d);
      }
      shape.addDim(dim);
    }
    OnnxMl.TypeProto type =
        OnnxMl.TypeProto.newBuilder()
            .setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder()
                    .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                    .setShape(shape))
            .build();
    return OnnxMl.ValueInfoProto.newBuilder().setName(tensor.name()).setType(type).build();
  }

  /**
   * Operator attributes in the given order: Map.of iterates in an order that changes between JVM
   * runs, which would make the same weights export to different bytes (and different manifest
   * digests).
   */
  private static Map<String, Object> attributes(Object... keysAndValues) {
    Map<String, Object> attributes = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      attributes.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return attributes;
  }
}
