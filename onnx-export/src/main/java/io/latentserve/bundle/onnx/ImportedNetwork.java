package io.latentserve.bundle.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.tribuo.util.onnx.ONNXRef;

/**
 * An encoder or decoder graph made outside latentserve, checked against the import contract: one
 * float32 input [batch, width] with a dynamic batch, one float32 output [batch, width] per
 * parameter of its distribution, standard deterministic ONNX operators of opset {@link #MIN_OPSET}
 * to {@link #MAX_OPSET}, weights inside the file.
 *
 * @param input the graph input it reads
 * @param outputs the graph outputs it writes, in parameter order
 */
record ImportedNetwork(
    String file,
    OnnxMl.GraphProto graph,
    String input,
    List<String> outputs,
    int opset,
    long irVersion) {

  /** The oldest opset accepted: the one the exporter's own nodes are written for. */
  static final int MIN_OPSET = OnnxGraphBuilder.OPSET;

  /** The newest opset accepted: the exporter's nodes mean the same up to it. */
  static final int MAX_OPSET = 21;

  private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();

  /**
   * Parses and checks one network.
   *
   * @param file the file name, for messages
   * @param inputWidth the width its input must have
   * @param parameters the parameters its outputs hold, in order (e.g. mean, logvar)
   * @param outputWidth the width every output must have
   * @param names the spec's names for its input and outputs
   * @throws ImportException naming what the contract expects and what the graph has
   */
  static ImportedNetwork parse(
      String file,
      byte[] bytes,
      int inputWidth,
      List<String> parameters,
      int outputWidth,
      ImportSpec.Names names) {
    OnnxMl.ModelProto model;
    try {
      model = OnnxMl.ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new ImportException(file + " is not an ONNX model: " + e.getMessage(), e);
    }
    if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
      throw new ImportException(file + " is not an ONNX model: it has no graph nodes");
    }
    OnnxMl.GraphProto graph = model.getGraph();
    int opset = defaultOpset(file, model);
    checkNodes(file, graph);
    checkInitializers(file, graph);
    String input = input(file, graph, names.input(), inputWidth);
    List<String> outputs = outputs(file, graph, names, parameters, outputWidth);
    return new ImportedNetwork(file, graph, input, outputs, opset, model.getIrVersion());
  }

  private static int defaultOpset(String file, OnnxMl.ModelProto model) {
    for (OnnxMl.OperatorSetIdProto opset : model.getOpsetImportList()) {
      if (opset.getDomain().isEmpty() || opset.getDomain().equals("ai.onnx")) {
        long version = opset.getVersion();
        if (version < MIN_OPSET || version > MAX_OPSET) {
          throw new ImportException(
              file
                  + " uses opset "
                  + version
                  + " of the default ONNX domain; bundle import accepts opsets "
                  + MIN_OPSET
                  + " to "
                  + MAX_OPSET
                  + " (export again with e.g. torch.onnx.export(..., opset_version=17))");
        }
        return (int) version;
      }
    }
    throw new ImportException(file + " imports no opset of the default ONNX domain");
  }

  private static void checkNodes(String file, OnnxMl.GraphProto graph) {
    for (OnnxMl.NodeProto node : graph.getNodeList()) {
      String where = file + " node " + describe(node);
      String domain = node.getDomain();
      if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
        throw new ImportException(
            where
                + " is in domain "
                + domain
                + "; bundle import supports the standard operators of the default ONNX domain"
                + " only");
      }
      if (!OnnxStandardOps.ALL.contains(node.getOpType())) {
        throw new ImportException(
            where + " is not a standard ONNX operator; bundle import supports those only");
      }
      if (OnnxStandardOps.REFUSED.contains(node.getOpType())) {
        throw new ImportException(
            where
                + " is not supported in an imported network: the networks must be"
                + " deterministic and without control flow (latentserve draws the noise itself)");
      }
    }
  }

  private static String describe(OnnxMl.NodeProto node) {
    return (node.getName().isEmpty() ? "" : "'" + node.getName() + "' ")
        + "uses operator "
        + (node.getDomain().isEmpty() ? "" : node.getDomain() + ":")
        + node.getOpType();
  }

  private static void checkInitializers(String file, OnnxMl.GraphProto graph) {
    for (OnnxMl.TensorProto tensor : graph.getInitializerList()) {
      if (tensor.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
        throw new ImportException(
            file
                + " keeps initializer "
                + tensor.getName()
                + " in an external data file that was not read in (OnnxExternalData.inline reads"
                + " it; bundle import does so from the .onnx file's folder)");
      }
    }
    if (graph.getSparseInitializerCount() > 0) {
      throw new ImportException(
          file + " has sparse initializers, which bundle import does not take");
    }
  }

  private static String input(String file, OnnxMl.GraphProto graph, String wanted, int width) {
    Set<String> initialized = new HashSet<>();
    graph.getInitializerList().forEach(t -> initialized.add(t.getName()));
    List<OnnxMl.ValueInfoProto> inputs = new ArrayList<>();
    for (OnnxMl.ValueInfoProto input : graph.getInputList()) {
      if (!initialized.contains(input.getName())) {
        inputs.add(input);
      }
    }
    OnnxMl.ValueInfoProto input;
    if (wanted == null) {
      if (inputs.size() != 1) {
        throw new ImportException(
            file
                + " has "
                + inputs.size()
                + " inputs "
                + names(inputs)
                + "; the contract needs exactly one, [batch, "
                + width
                + "] float32 (or name it in the spec's input)");
      }
      input = inputs.get(0);
    } else {
      input =
          inputs.stream()
              .filter(i -> i.getName().equals(wanted))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ImportException(
                          file
                              + " has no input "
                              + wanted
                              + " (named in the spec); its inputs are "
                              + names(inputs)));
      if (inputs.size() != 1) {
        throw new ImportException(
            file
                + " has inputs "
                + names(inputs)
                + " besides "
                + wanted
                + "; the contract allows one input");
      }
    }
    checkMatrix(file + " input " + input.getName(), input, width, true);
    return input.getName();
  }

  private static List<String> outputs(
      String file,
      OnnxMl.GraphProto graph,
      ImportSpec.Names names,
      List<String> parameters,
      int width) {
    List<OnnxMl.ValueInfoProto> all = graph.getOutputList();
    List<OnnxMl.ValueInfoProto> chosen = new ArrayList<>();
    if (names.outputs().isEmpty()) {
      if (all.size() != parameters.size()) {
        throw new ImportException(
            file
                + " has "
                + all.size()
                + " outputs "
                + names(all)
                + "; the contract needs "
                + parameters.size()
                + " ("
                + String.join(", ", parameters)
                + ", in that order), or their names in the spec's outputs");
      }
      chosen.addAll(all);
    } else {
      for (String parameter : parameters) {
        String name = names.outputs().get(parameter);
        chosen.add(
            all.stream()
                .filter(o -> o.getName().equals(name))
                .findFirst()
                .orElseThrow(
                    () ->
                        new ImportException(
                            file
                                + " has no output "
                                + name
                                + " (the spec's "
                                + parameter
                                + "); its outputs are "
                                + names(all))));
      }
    }
    for (int i = 0; i < chosen.size(); i++) {
      checkMatrix(
          file + " output " + chosen.get(i).getName() + " (" + parameters.get(i) + ")",
          chosen.get(i),
          width,
          false);
    }
    return chosen.stream().map(OnnxMl.ValueInfoProto::getName).toList();
  }

  /**
   * Checks a declared float32 [batch, width]; dimensions the graph leaves unnamed or symbolic pass,
   * the numeric self-check runs them.
   */
  private static void checkMatrix(
      String what, OnnxMl.ValueInfoProto value, int width, boolean requireDynamicBatch) {
    if (!value.getType().hasTensorType()) {
      throw new ImportException(
          what + " is not a tensor; the contract needs float32 [batch, " + width + "]");
    }
    OnnxMl.TypeProto.Tensor tensor = value.getType().getTensorType();
    if (tensor.getElemType() != FLOAT) {
      throw new ImportException(
          what
              + " has element type "
              + OnnxMl.TensorProto.DataType.forNumber(tensor.getElemType())
              + "; the contract needs FLOAT (float32)");
    }
    if (!tensor.hasShape()) {
      return;
    }
    List<OnnxMl.TensorShapeProto.Dimension> dims = tensor.getShape().getDimList();
    if (dims.size() != 2) {
      throw new ImportException(
          what
              + " has rank "
              + dims.size()
              + " "
              + shape(dims)
              + "; the contract needs rank 2 [batch, "
              + width
              + "] (flatten inside the network)");
    }
    if (dims.get(1).hasDimValue() && dims.get(1).getDimValue() != width) {
      throw new ImportException(
          what + " has shape " + shape(dims) + "; the contract needs [batch, " + width + "]");
    }
    if (requireDynamicBatch && dims.get(0).hasDimValue()) {
      throw new ImportException(
          what
              + " has the fixed batch size "
              + dims.get(0).getDimValue()
              + "; the contract needs a dynamic batch axis (torch.onnx.export(...,"
              + " dynamic_axes={'<input>': {0: 'batch'}}))");
    }
  }

  private static String shape(List<OnnxMl.TensorShapeProto.Dimension> dims) {
    return dims.stream()
        .map(
            d ->
                d.hasDimValue()
                    ? Long.toString(d.getDimValue())
                    : d.hasDimParam() ? d.getDimParam() : "?")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static String names(List<OnnxMl.ValueInfoProto> values) {
    return values.stream().map(OnnxMl.ValueInfoProto::getName).toList().toString();
  }

  /** The network's nodes embedded in {@code g}, reading {@code input}; its outputs there. */
  List<ONNXRef<?>> embed(OnnxGraphBuilder g, ONNXRef<?> in, String name) {
    return g.embed(graph, "imported/" + name, Map.of(input, in), outputs);
  }
}
