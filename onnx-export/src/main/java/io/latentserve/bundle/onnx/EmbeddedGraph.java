package io.latentserve.bundle.onnx;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Another graph's nodes and initializers, renamed so that they can live inside a graph of ours:
 * every tensor and node name gets a prefix, except the graph's inputs, which are bound to tensors
 * of the host graph.
 */
record EmbeddedGraph(
    List<OnnxMl.NodeProto> nodes,
    List<OnnxMl.TensorProto> initializers,
    Map<String, String> names) {

  /**
   * The nodes and initializers of {@code graph} renamed: input {@code i} to {@code bound.get(i)},
   * any other tensor t to {@code prefix + "/" + t}. Empty names (an omitted optional input) stay
   * empty.
   */
  static EmbeddedGraph renamed(OnnxMl.GraphProto graph, String prefix, Map<String, String> bound) {
    Map<String, String> names = new HashMap<>(bound);
    names.put("", "");
    List<OnnxMl.TensorProto> initializers = new ArrayList<>();
    for (OnnxMl.TensorProto tensor : graph.getInitializerList()) {
      initializers.add(tensor.toBuilder().setName(rename(names, prefix, tensor.getName())).build());
    }
    List<OnnxMl.NodeProto> nodes = new ArrayList<>();
    for (int i = 0; i < graph.getNodeCount(); i++) {
      OnnxMl.NodeProto node = graph.getNode(i);
      OnnxMl.NodeProto.Builder copy = node.toBuilder().clearInput().clearOutput();
      // Exporters may leave node names empty; ONNX Runtime wants them distinct.
      copy.setName(
          prefix
              + "/"
              + (node.getName().isEmpty() ? "node" + i + "_" + node.getOpType() : node.getName()));
      node.getInputList().forEach(in -> copy.addInput(rename(names, prefix, in)));
      node.getOutputList().forEach(out -> copy.addOutput(rename(names, prefix, out)));
      nodes.add(copy.build());
    }
    for (OnnxMl.ValueInfoProto output : graph.getOutputList()) {
      rename(names, prefix, output.getName());
    }
    return new EmbeddedGraph(nodes, initializers, names);
  }

  private static String rename(Map<String, String> names, String prefix, String name) {
    return names.computeIfAbsent(name, n -> prefix + "/" + n);
  }

  /** The host graph's name of the embedded graph's tensor {@code name}. */
  String name(String name) {
    String renamed = names.get(name);
    if (renamed == null) {
      throw new IllegalArgumentException("the embedded graph has no tensor " + name);
    }
    return renamed;
  }

  /**
   * {@code nodes} ordered so that each comes after the nodes producing its inputs, as ONNX
   * requires; otherwise in their given order. Embedded nodes read tensors of the host graph and the
   * host reads theirs, so neither list can simply go first.
   *
   * @throws IllegalArgumentException if a node reads a tensor that nothing produces, or the nodes
   *     form a cycle
   */
  static List<OnnxMl.NodeProto> topologicalOrder(
      OnnxMl.GraphProto graph, List<OnnxMl.NodeProto> nodes) {
    Set<String> available = new HashSet<>();
    available.add("");
    graph.getInputList().forEach(i -> available.add(i.getName()));
    graph.getInitializerList().forEach(t -> available.add(t.getName()));
    Map<String, List<Integer>> readers = new HashMap<>();
    int[] missing = new int[nodes.size()];
    Deque<Integer> ready = new ArrayDeque<>();
    for (int n = 0; n < nodes.size(); n++) {
      for (String input : new HashSet<>(nodes.get(n).getInputList())) {
        if (!available.contains(input)) {
          missing[n]++;
          readers.computeIfAbsent(input, k -> new ArrayList<>()).add(n);
        }
      }
      if (missing[n] == 0) {
        ready.add(n);
      }
    }
    List<OnnxMl.NodeProto> ordered = new ArrayList<>();
    // Lowest index first keeps the given order wherever it is already valid.
    java.util.PriorityQueue<Integer> queue = new java.util.PriorityQueue<>(ready);
    while (!queue.isEmpty()) {
      int n = queue.poll();
      ordered.add(nodes.get(n));
      for (String output : nodes.get(n).getOutputList()) {
        for (int reader : readers.getOrDefault(output, List.of())) {
          if (--missing[reader] == 0) {
            queue.add(reader);
          }
        }
      }
    }
    if (ordered.size() != nodes.size()) {
      for (int n = 0; n < nodes.size(); n++) {
        if (missing[n] > 0) {
          throw new IllegalArgumentException(
              "node "
                  + nodes.get(n).getName()
                  + " ("
                  + nodes.get(n).getOpType()
                  + ") reads a tensor that no node produces, or is part of a cycle");
        }
      }
    }
    return ordered;
  }
}
