package io.latentserve.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Where the deployment files are, and reading YAML documents from them. */
final class DeployFiles {
  static final YAMLMapper YAML = new YAMLMapper();

  private static final Pattern PARENT_VERSION =
      Pattern.compile("<parent>.*?<version>([^<]+)</version>.*?</parent>", Pattern.DOTALL);

  private DeployFiles() {}

  /** The deploy/ folder (the module's base directory). */
  static Path root() {
    String dir = System.getProperty("latentserve.deploy.dir");
    Path root = dir != null ? Path.of(dir) : Path.of("").toAbsolutePath();
    if (!Files.isDirectory(root.resolve("k8s"))) {
      throw new IllegalStateException("no k8s/ folder under " + root);
    }
    return root;
  }

  static Path base() {
    return root().resolve("k8s/base");
  }

  static Path overlay(String name) {
    return root().resolve("k8s/overlays").resolve(name);
  }

  /** The project version, which every image tag must carry. */
  static String projectVersion() {
    String version = System.getProperty("latentserve.version");
    if (version != null) {
      return version;
    }
    Matcher m = PARENT_VERSION.matcher(read(root().resolve("pom.xml")));
    if (!m.find()) {
      throw new IllegalStateException("no parent version in deploy/pom.xml");
    }
    return m.group(1).trim();
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every non-empty document of a (multi-document) YAML file, each a mapping. */
  static List<ObjectNode> readDocuments(Path file) {
    return parseDocuments(read(file), file.toString());
  }

  /** Every non-empty document of YAML text, each a mapping. */
  static List<ObjectNode> parseDocuments(String yaml, String source) {
    List<ObjectNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue;
        }
        if (!(doc instanceof ObjectNode object)) {
          throw new IllegalArgumentException(source + ": a document is not a mapping: " + doc);
        }
        docs.add(object);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(source + ": " + e.getMessage(), e);
    }
    return docs;
  }
}
