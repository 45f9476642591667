package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConsistencyChecksTest {
  private static final String VERSION = DeployFiles.projectVersion();

  static Stream<String> layouts() {
    return Stream.of("base", "cpu", "gpu");
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void check_shippedManifests_findsNoProblem(String layout) {
    Manifests m = layout.equals("base") ? Manifests.base() : Manifests.overlay(layout);

    assertThat(ConsistencyChecks.check(m, VERSION)).isEmpty();
  }

  /** One broken copy of the cpu overlay per case: the checks must name what broke. */
  static Stream<Arguments> breakages() {
    return Stream.of(
        breakage(
            "Service targetPort names no container port",
            set("Service", "latentserve-trainer", "/spec/ports/0", "targetPort", text("grpcc")),
            "Service latentserve-trainer: port grpc: targetPort grpcc is no container port"),
        breakage(
            "Service selector matches no pod",
            set(
                "Service",
                "latentserve-evaluator",
                "/spec/selector",
                "app.kubernetes.io/name",
                text("latentserve-evaluater")),
            "Service latentserve-evaluator: selector"),
        breakage(
            "ServiceMonitor endpoint port missing",
            set(
                "ServiceMonitor",
                "latentserve-trainer",
                "/spec/endpoints/0",
                "port",
                text("metric")),
            "ServiceMonitor latentserve-trainer: endpoint port metric is no port"),
        breakage(
            "ServiceMonitor selects two Services",
            remove(
                "ServiceMonitor",
                "latentserve-inference",
                "/spec/selector/matchLabels",
                "latentserve.io/metrics"),
            "ServiceMonitor latentserve-inference: selector matches 2 Services"),
        breakage(
            "HPA targets a missing Deployment",
            set(
                "HorizontalPodAutoscaler",
                "latentserve-inference",
                "/spec/scaleTargetRef",
                "name",
                text("latentserve-inferenc")),
            "HorizontalPodAutoscaler latentserve-inference: scaleTargetRef"),
        breakage(
            "HPA fights a fixed replica count",
            set("Deployment", "latentserve-inference", "/spec", "replicas", IntNode.valueOf(3)),
            "sets replicas"),
        breakage(
            "PDB selects nothing",
            set(
                "PodDisruptionBudget",
                "latentserve-inference",
                "/spec/selector/matchLabels",
                "app.kubernetes.io/component",
                text("inferance")),
            "PodDisruptionBudget latentserve-inference: selector matches 0 Deployments"),
        breakage(
            "readiness probe on the gRPC port's path",
            set(
                "Deployment",
                "latentserve-evaluator",
                "/spec/template/spec/containers/0/readinessProbe/httpGet",
                "port",
                IntNode.valueOf(50053)),
            "readinessProbe gets /health on port 50053, health is /health on the metrics port"),
        breakage(
            "evaluator without its token's Secret",
            set(
                "Deployment",
                "latentserve-evaluator",
                "/spec/template/spec/containers/0/volumeMounts/4",
                "mountPath",
                text("/etc/latentserve/token")),
            "LATENTSERVE_INFERENCE_TOKEN_FILE=/etc/latentserve/evaluator-token/token is in no"
                + " mounted Secret"),
        breakage(
            "native gRPC probe on a TLS port",
            remove(
                    "Deployment",
                    "latentserve-trainer",
                    "/spec/template/spec/containers/0/livenessProbe",
                    "httpGet")
                .andThen(
                    set(
                        "Deployment",
                        "latentserve-trainer",
                        "/spec/template/spec/containers/0/livenessProbe",
                        "grpc",
                        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                            .objectNode()
                            .put("port", 50052))),
            "livenessProbe is a gRPC probe, which the kubelet speaks in plaintext"),
        breakage(
            "mount of a missing volume",
            set(
                "Deployment",
                "latentserve-trainer",
                "/spec/template/spec/containers/0/volumeMounts/1",
                "name",
                text("dat")),
            "volumeMount /var/lib/latentserve names no volume dat"),
        breakage(
            "claim of a missing PVC",
            set(
                "Deployment",
                "latentserve-inference",
                "/spec/template/spec/volumes/1/persistentVolumeClaim",
                "claimName",
                text("models")),
            "claims models, which is no PersistentVolumeClaim"),
        breakage(
            "inference mounts the repository read-write",
            remove(
                    "Deployment",
                    "latentserve-inference",
                    "/spec/template/spec/volumes/1/persistentVolumeClaim",
                    "readOnly")
                .andThen(
                    remove(
                        "Deployment",
                        "latentserve-inference",
                        "/spec/template/spec/containers/0/volumeMounts/1",
                        "readOnly")),
            "--model-repository /var/lib/latentserve/models is mounted read-write"),
        breakage(
            "evaluator targets the ClusterIP Service",
            set(
                "ConfigMap",
                "latentserve-config",
                "/data",
                "LATENTSERVE_INFERENCE_TARGET",
                text("dns:///latentserve-inference:50051")),
            "not headless"),
        breakage(
            "evaluator targets a port the Service lacks",
            set(
                "ConfigMap",
                "latentserve-config",
                "/data",
                "LATENTSERVE_INFERENCE_TARGET",
                text("dns:///latentserve-inference-headless:50052")),
            "port 50052 is no port of Service latentserve-inference-headless"),
        breakage(
            "evaluator target is not a dns URI",
            set(
                "ConfigMap",
                "latentserve-config",
                "/data",
                "LATENTSERVE_INFERENCE_TARGET",
                text("latentserve-inference-headless:50051")),
            "is not dns:///<service>:<port>"),
        breakage(
            "grace period shorter than the shutdown grace",
            set(
                "Deployment",
                "latentserve-trainer",
                "/spec/template/spec",
                "terminationGracePeriodSeconds",
                IntNode.valueOf(20)),
            "terminationGracePeriodSeconds 20 is not at least"),
        breakage(
            "writable root filesystem",
            set(
                "Deployment",
                "latentserve-inference",
                "/spec/template/spec/containers/0/securityContext",
                "readOnlyRootFilesystem",
                com.fasterxml.jackson.databind.node.BooleanNode.FALSE),
            "readOnlyRootFilesystem"),
        breakage(
            "metrics-port argument differs from the container port",
            (List<ObjectNode> docs) ->
                ((ArrayNode)
                        find(docs, "Deployment", "latentserve-trainer")
                            .at("/spec/template/spec/containers/0/args"))
                    .set(5, text("9999")),
            "arg --metrics-port is 9999, the container port is 9465"),
        breakage(
            "scrape annotation names another port",
            set(
                "Deployment",
                "latentserve-evaluator",
                "/spec/template/metadata/annotations",
                "prometheus.io/port",
                text("9464")),
            "annotation prometheus.io/port is 9464, the metrics port is 9466"),
        breakage(
            "evaluator not allowed to reach inference",
            (List<ObjectNode> docs) ->
                ((ArrayNode)
                        find(docs, "NetworkPolicy", "latentserve-inference-ingress")
                            .at("/spec/ingress/0/from"))
                    .remove(1),
            "no NetworkPolicy lets its pods reach the gRPC port of latentserve-inference"),
        breakage(
            "NetworkPolicy port names no container port",
            set(
                "NetworkPolicy",
                "latentserve-trainer-ingress",
                "/spec/ingress/1/ports/0",
                "port",
                text("metrics-http")),
            "ingress port metrics-http is no container port"),
        breakage(
            "image tag is not the project version",
            set(
                "Deployment",
                "latentserve-trainer",
                "/spec/template/spec/containers/0",
                "image",
                text("latentserve/latentserve:latest")),
            "image latentserve/latentserve:latest"),
        breakage(
            "missing part-of label",
            remove(
                "PersistentVolumeClaim",
                "latentserve-data",
                "/metadata/labels",
                "app.kubernetes.io/part-of"),
            "PersistentVolumeClaim latentserve-data: metadata.labels lack app.kubernetes.io/part-of"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("breakages")
  void check_brokenManifest_reportsTheProblem(
      String description, Consumer<List<ObjectNode>> breakage, String expected) {
    List<ObjectNode> docs = Kustomization.render(DeployFiles.overlay("cpu"));
    breakage.accept(docs);

    List<String> problems = ConsistencyChecks.check(Manifests.parse(docs, description), VERSION);

    assertThat(problems).anySatisfy(p -> assertThat(p).contains(expected));
  }

  private static Arguments breakage(
      String description, Consumer<List<ObjectNode>> breakage, String expected) {
    return Arguments.of(description, breakage, expected);
  }

  private static Consumer<List<ObjectNode>> set(
      String kind, String name, String pointer, String field, JsonNode value) {
    return docs -> object(docs, kind, name, pointer).set(field, value);
  }

  private static Consumer<List<ObjectNode>> remove(
      String kind, String name, String pointer, String field) {
    return docs -> {
      ObjectNode o = object(docs, kind, name, pointer);
      if (o.remove(field) == null) {
        throw new AssertionError("no " + field + " at " + pointer + " in " + kind + " " + name);
      }
    };
  }

  private static ObjectNode object(
      List<ObjectNode> docs, String kind, String name, String pointer) {
    JsonNode node = find(docs, kind, name).at(pointer);
    if (!(node instanceof ObjectNode o)) {
      throw new AssertionError("no object at " + pointer + " in " + kind + " " + name);
    }
    return o;
  }

  private static ObjectNode find(List<ObjectNode> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> d.path("kind").asText().equals(kind))
        .filter(d -> d.at("/metadata/name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  private static TextNode text(String s) {
    return TextNode.valueOf(s);
  }
}
