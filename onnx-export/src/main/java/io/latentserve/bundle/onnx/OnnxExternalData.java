package io.latentserve.bundle.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Weights that an exporter kept beside the model in an external data file (PyTorch's exporter does
 * so by default), read back into the model, so that the bundle's graphs are self-contained files
 * whose sha256 covers every weight.
 */
public final class OnnxExternalData {
  private OnnxExternalData() {}

  /**
   * {@code model} with every initializer whose data lies in an external file (a {@code location}
   * relative to {@code folder}) read into the model itself; the same bytes when none does.
   *
   * @param file the model's file name, for messages
   * @throws ImportException if the model cannot be parsed or a data file cannot be read
   */
  public static byte[] inline(String file, byte[] model, Path folder) {
    OnnxMl.ModelProto proto;
    try {
      proto = OnnxMl.ModelProto.parseFrom(model);
    } catch (InvalidProtocolBufferException e) {
      throw new ImportException(file + " is not an ONNX model: " + e.getMessage(), e);
    }
    OnnxMl.GraphProto.Builder graph = proto.getGraph().toBuilder();
    boolean changed = false;
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      OnnxMl.TensorProto tensor = graph.getInitializer(i);
      if (tensor.getDataLocation() != OnnxMl.TensorProto.DataLocation.EXTERNAL) {
        continue;
      }
      graph.setInitializer(
          i,
          tensor.toBuilder()
              .clearExternalData()
              .setDataLocation(OnnxMl.TensorProto.DataLocation.DEFAULT)
              .setRawData(read(file, tensor, folder)));
      changed = true;
    }
    return changed ? proto.toBuilder().setGraph(graph).build().toByteArray() : model;
  }

  private static ByteString read(String file, OnnxMl.TensorProto tensor, Path folder) {
    String location = null;
    long offset = 0;
    long length = -1;
    for (OnnxMl.StringStringEntryProto entry : tensor.getExternalDataList()) {
      switch (entry.getKey()) {
        case "location" -> location = entry.getValue();
        case "offset" -> offset = Long.parseLong(entry.getValue());
        case "length" -> length = Long.parseLong(entry.getValue());
        default -> {
          // "checksum" and future keys do not change where the bytes are
        }
      }
    }
    String what = file + " initializer " + tensor.getName();
    if (location == null) {
      throw new ImportException(what + " is external but names no location");
    }
    Path data = folder.resolve(location).normalize();
    if (Path.of(location).isAbsolute() || !data.startsWith(folder.normalize())) {
      throw new ImportException(
          what + " keeps its data at " + location + ", outside the model's folder " + folder);
    }
    try (RandomAccessFile in = new RandomAccessFile(data.toFile(), "r")) {
      long size = length >= 0 ? length : Files.size(data) - offset;
      if (offset < 0 || size < 0 || offset + size > in.length() || size > Integer.MAX_VALUE) {
        throw new ImportException(
            what
                + " wants bytes ["
                + offset
                + ", "
                + (offset + size)
                + ") of "
                + data
                + ", which has "
                + in.length());
      }
      byte[] bytes = new byte[(int) size];
      in.seek(offset);
      in.readFully(bytes);
      return ByteString.copyFrom(bytes);
    } catch (IOException e) {
      throw new ImportException(
          what + ": cannot read its external data " + data + ": " + e.getMessage(), e);
    }
  }
}
