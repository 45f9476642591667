package io.latentserve.trainer.core;

import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.GraphSpec;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model exported for a bundle.
 *
 * @param specs each graph's file, inputs and outputs, as the manifest records them
 * @param files file name to content, in the order they are written
 */
public record ExportedModel(Map<GraphRole, GraphSpec> specs, Map<String, byte[]> files) {
  public ExportedModel {
    specs = Collections.unmodifiableMap(new EnumMap<>(specs));
    files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
  }
}
