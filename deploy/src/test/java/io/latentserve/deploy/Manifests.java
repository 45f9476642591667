package io.latentserve.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * A set of parsed Kubernetes resources, e.g. the base or a rendered overlay.
 *
 * @param resources the model objects, in file order
 */
record Manifests(List<HasMetadata> resources) {
  Manifests {
    resources = List.copyOf(resources);
  }

  /** Parses every tree strictly (see {@link StrictKubernetes}). */
  static Manifests parse(List<ObjectNode> trees, String source) {
    return new Manifests(trees.stream().map(t -> StrictKubernetes.parse(t, source)).toList());
  }

  /** The base, rendered from deploy/k8s/base. */
  static Manifests base() {
    return parse(Kustomization.render(DeployFiles.base()), "k8s/base");
  }

  /** An overlay, rendered from deploy/k8s/overlays/NAME. */
  static Manifests overlay(String name) {
    return parse(Kustomization.render(DeployFiles.overlay(name)), "k8s/overlays/" + name);
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return resources.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst();
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return find(type, name)
        .orElseThrow(
            () -> new NoSuchElementException("no " + type.getSimpleName() + " named " + name));
  }
}
