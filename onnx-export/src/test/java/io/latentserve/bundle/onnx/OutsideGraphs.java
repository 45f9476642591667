package io.latentserve.bundle.onnx;

import ai.onnx.proto.OnnxMl;
import io.latentserve.model.Dense;
import io.latentserve.model.GaussianMlp;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an MLP as a standalone ONNX model with the plain protobuf classes, as another framework's
 * exporter would (no latentserve or Tribuo builder): MatMul, Add and Tanh nodes, the weights as
 * initializers, a dynamic batch axis. Each setter changes one thing, so that a test can break one
 * rule of the import contract at a time.
 */
final class OutsideGraphs {
  private final GaussianMlp mlp;
  private String input = "x";
  private List<String> outputs;
  private int opset = 17;
  private String batch = "batch";
  private List<Long> inputShape;
  private final List<OnnxMl.NodeProto> extraNodes = new ArrayList<>();
  private boolean declareOutputShapes = true;

  private OutsideGraphs(GaussianMlp mlp) {
    this.mlp = mlp;
    this.outputs = mlp.logVariance() == null ? List.of("out0") : List.of("out0", "out1");
  }

  static OutsideGraphs of(GaussianMlp mlp) {
    return new OutsideGraphs(mlp);
  }

  OutsideGraphs input(String name) {
    this.input = name;
    return this;
  }

  OutsideGraphs outputs(String... names) {
    this.outputs = List.of(names);
    return this;
  }

  OutsideGraphs opset(int opset) {
    this.opset = opset;
    return this;
  }

  /** A fixed batch size instead of a dynamic one. */
  OutsideGraphs fixedBatch(long size) {
    this.batch = null;
    this.inputShape = List.of(size, (long) mlp.inputDim());
    return this;
  }

  /** Declares the input with this shape (dimensions as given, -1 for a symbolic one). */
  OutsideGraphs inputShape(Long... shape) {
    this.inputShape = List.of(shape);
    return this;
  }

  /** Outputs declared without a shape, as some exporters leave them. */
  OutsideGraphs undeclaredOutputShapes() {
    this.declareOutputShapes = false;
    return this;
  }

  /** Adds a node that reads the input and whose output goes nowhere. */
  OutsideGraphs extraNode(String domain, String opType) {
    extraNodes.add(
        OnnxMl.NodeProto.newBuilder()
            .setOpType(opType)
            .setDomain(domain)
            .setName("extra" + extraNodes.size())
            .addInput(input)
            .addOutput("extra_out" + extraNodes.size())
            .build());
    return this;
  }

  byte[] bytes() {
    OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder().setName("outside");
    String h = input;
    int layer = 0;
    for (Dense dense : mlp.hidden()) {
      String pre = dense(graph, h, dense, "hidden" + layer);
      h = "hidden" + layer + "_act";
      graph.addNode(node("Tanh", List.of(pre), h));
      layer++;
    }
    List<Dense> heads = mlp.heads();
    List<Long> inShape = inputShape != null ? inputShape : List.of(-1L, (long) mlp.inputDim());
    graph.addInput(valueInfo(input, inShape));
    for (int i = 0; i < outputs.size(); i++) {
      Dense head = heads.get(Math.min(i, heads.size() - 1));
      String out = dense(graph, h, head, "head" + i);
      graph.addNode(node("Identity", List.of(out), outputs.get(i)));
      graph.addOutput(
          declareOutputShapes
              ? valueInfo(outputs.get(i), List.of(-1L, (long) head.out()))
              : OnnxMl.ValueInfoProto.newBuilder()
                  .setName(outputs.get(i))
                  .setType(
                      OnnxMl.TypeProto.newBuilder()
                          .setTensorType(
                              OnnxMl.TypeProto.Tensor.newBuilder()
                                  .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())))
                  .build());
    }
    extraNodes.forEach(graph::addNode);
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("outside-test")
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  private static String dense(OnnxMl.GraphProto.Builder graph, String x, Dense dense, String name) {
    OnnxMl.TensorProto.Builder w =
        OnnxMl.TensorProto.newBuilder()
            .setName(name + ".weight")
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
            .addDims(dense.in())
            .addDims(dense.out());
    for (float v : dense.weight()) {
      w.addFloatData(v);
    }
    OnnxMl.TensorProto.Builder b =
        OnnxMl.TensorProto.newBuilder()
            .setName(name + ".bias")
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
            .addDims(dense.out());
    for (float v : dense.bias()) {
      b.addFloatData(v);
    }
    graph.addInitializer(w).addInitializer(b);
    graph.addNode(node("MatMul", List.of(x, name + ".weight"), name + "_mm"));
    graph.addNode(node("Add", List.of(name + "_mm", name + ".bias"), name + "_out"));
    return name + "_out";
  }

  private static OnnxMl.NodeProto node(String op, List<String> inputs, String output) {
    return OnnxMl.NodeProto.newBuilder()
        .setOpType(op)
        .setName(output + "_node")
        .addAllInput(inputs)
        .addOutput(output)
        .build();
  }

  private OnnxMl.ValueInfoProto valueInfo(String name, List<Long> shape) {
    OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
    for (int i = 0; i < shape.size(); i++) {
      long d = shape.get(i);
      if (d < 0) {
        s.addDim(
            OnnxMl.TensorShapeProto.Dimension.newBuilder()
                .setDimParam(i == 0 && batch != null ? batch : "d" + i));
      } else {
        s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
      }
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(s)))
        .build();
  }
}
