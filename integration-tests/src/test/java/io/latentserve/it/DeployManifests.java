package io.latentserve.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What deploy/k8s asks of the images: the base Deployments (one container each), the ConfigMap they
 * read with {@code envFrom}, and the GPU overlay's patch of the inference Deployment. The deploy
 * module's own tests check the manifests in depth; this reads just enough to hold the images to
 * them.
 */
final class DeployManifests {
  /** The services, named as their Deployments' {@code app.kubernetes.io/component}. */
  static final List<String> SERVICES = List.of("inference", "trainer", "evaluator");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path root;

  private DeployManifests(Path root) {
    this.root = root;
  }

  /** The manifests under {@code <sourceRoot>/deploy/k8s}. */
  static DeployManifests read(Path sourceRoot) {
    return new DeployManifests(sourceRoot.resolve("deploy/k8s"));
  }

  /** The pod template spec of {@code latentserve-<service>} in the base. */
  JsonNode podSpec(String service) {
    return load("base/" + service + "-deployment.yaml").path("spec").path("template").path("spec");
  }

  /** The single container of {@code latentserve-<service>} in the base. */
  JsonNode container(String service) {
    JsonNode containers = podSpec(service).path("containers");
    if (containers.size() != 1) {
      throw new IllegalStateException(
          "latentserve-" + service + " has " + containers.size() + " containers, expected 1");
    }
    return containers.get(0);
  }

  /** The container's {@code args}, in order. */
  List<String> args(String service) {
    List<String> args = new ArrayList<>();
    container(service).path("args").forEach(arg -> args.add(arg.asText()));
    return args;
  }

  /** The value after {@code flag} in the container's args, if the flag is there. */
  Optional<String> flag(String service, String flag) {
    List<String> args = args(service);
    int at = args.indexOf(flag);
    return at >= 0 && at + 1 < args.size() ? Optional.of(args.get(at + 1)) : Optional.empty();
  }

  /** The mount path of the volume named {@code volume} in the service's container. */
  Optional<String> mountPath(String service, String volume) {
    for (JsonNode mount : container(service).path("volumeMounts")) {
      if (mount.path("name").asText().equals(volume)) {
        return Optional.of(mount.path("mountPath").asText());
      }
    }
    return Optional.empty();
  }

  /** The volume named {@code volume} in the service's pod, if any. */
  Optional<JsonNode> volume(String service, String volume) {
    for (JsonNode candidate : podSpec(service).path("volumes")) {
      if (candidate.path("name").asText().equals(volume)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The data of the ConfigMap {@code latentserve-config}. */
  Map<String, String> configMap() {
    Map<String, String> data = new LinkedHashMap<>();
    load("base/configmap.yaml")
        .path("data")
        .properties()
        .forEach(entry -> data.put(entry.getKey(), entry.getValue().asText()));
    return data;
  }

  /** The image the GPU overlay gives the inference container. */
  String gpuInferenceImage() {
    return load("overlays/gpu/inference-gpu.yaml")
        .path("spec")
        .path("template")
        .path("spec")
        .path("containers")
        .get(0)
        .path("image")
        .asText();
  }

  private JsonNode load(String relative) {
    Path file = root.resolve(relative);
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
