package io.latentserve.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cross-resource checks of a set of manifests: what {@code kubectl apply} accepts but a running
 * system would get wrong (a Service that selects no pod, a targetPort no container has, a probe on
 * the wrong port, a ServiceMonitor that scrapes nothing, a mount of a volume that does not exist,
 * the evaluator pointed at a Service that is not headless...). {@link #check} lists every problem
 * found, each naming the resource and the field.
 */
final class ConsistencyChecks {
  static final String NAME = "app.kubernetes.io/name";
  static final String COMPONENT = "app.kubernetes.io/component";
  static final String PART_OF = "app.kubernetes.io/part-of";
  static final String INFERENCE_TARGET = "LATENTSERVE_INFERENCE_TARGET";
  static final String SHUTDOWN_GRACE = "LATENTSERVE_SHUTDOWN_GRACE";
  static final Set<String> IMAGES =
      Set.of("latentserve/latentserve", "latentserve/latentserve-gpu");

  /** Seconds between the services' shutdown grace and the pod's termination grace period. */
  static final long GRACE_MARGIN_SECONDS = 5;

  private static final Pattern DNS_TARGET = Pattern.compile("dns:///([a-z0-9.-]+):([0-9]{1,5})");
  private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h)");

  private final Manifests manifests;
  private final String version;
  private final List<String> problems = new ArrayList<>();

  private ConsistencyChecks(Manifests manifests, String version) {
    this.manifests = manifests;
    this.version = version;
  }

  /**
   * Every problem found, empty when the manifests agree.
   *
   * @param version the project version, which every image tag must be
   */
  static List<String> check(Manifests manifests, String version) {
    ConsistencyChecks c = new ConsistencyChecks(manifests, version);
    c.labels();
    manifests.all(Deployment.class).forEach(c::deployment);
    manifests.all(Service.class).forEach(c::service);
    manifests.all(ServiceMonitor.class).forEach(c::serviceMonitor);
    manifests.all(HorizontalPodAutoscaler.class).forEach(c::autoscaler);
    manifests.all(PodDisruptionBudget.class).forEach(c::disruptionBudget);
    manifests.all(NetworkPolicy.class).forEach(c::networkPolicy);
    c.portsReachable();
    c.inferenceTarget();
    manifests.all(PersistentVolumeClaim.class).forEach(c::claim);
    return List.copyOf(c.problems);
  }

  private void problem(HasMetadata r, String message) {
    problems.add(r.getKind() + " " + r.getMetadata().getName() + ": " + message);
  }

  // ---- labels

  private void labels() {
    for (HasMetadata r : manifests.resources()) {
      requireLabels(r, r.getMetadata().getLabels(), "metadata.labels");
      if (r instanceof Deployment d) {
        requireLabels(r, podLabels(d), "pod template labels");
      }
    }
  }

  private void requireLabels(HasMetadata r, Map<String, String> labels, String where) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    for (String key : List.of(NAME, COMPONENT, PART_OF)) {
      if (!l.containsKey(key)) {
        problem(r, where + " lack " + key);
      }
    }
    if (l.containsKey(PART_OF) && !"latentserve".equals(l.get(PART_OF))) {
      problem(r, where + " have " + PART_OF + "=" + l.get(PART_OF) + ", expected latentserve");
    }
  }

  // ---- Deployments

  private void deployment(Deployment d) {
    if (!matches(d.getSpec().getSelector(), podLabels(d))) {
      problem(d, "spec.selector does not match the pod template labels " + podLabels(d));
    }
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    if (!Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())) {
      problem(d, "automountServiceAccountToken is not false (no service needs the API)");
    }
    PodSecurityContext psc = pod.getSecurityContext();
    if (psc == null || !Boolean.TRUE.equals(psc.getRunAsNonRoot())) {
      problem(d, "pod securityContext.runAsNonRoot is not true");
    }
    if (psc == null
        || psc.getSeccompProfile() == null
        || !"RuntimeDefault".equals(psc.getSeccompProfile().getType())) {
      problem(d, "pod securityContext.seccompProfile is not RuntimeDefault");
    }
    Map<String, Volume> volumes = new LinkedHashMap<>();
    for (Volume v : nonNull(pod.getVolumes())) {
      volumes.put(v.getName(), v);
      if (v.getPersistentVolumeClaim() != null
          && manifests
              .find(PersistentVolumeClaim.class, v.getPersistentVolumeClaim().getClaimName())
              .isEmpty()) {
        problem(
            d,
            "volume "
                + v.getName()
                + " claims "
                + v.getPersistentVolumeClaim().getClaimName()
                + ", which is no PersistentVolumeClaim");
      }
    }
    for (Container c : pod.getContainers()) {
      container(d, pod, c, volumes);
    }
  }

  private void container(Deployment d, PodSpec pod, Container c, Map<String, Volume> volumes) {
    String where = "container " + c.getName() + ": ";
    // image
    String image = c.getImage();
    int colon = image.lastIndexOf(':');
    if (colon < 0
        || !IMAGES.contains(image.substring(0, colon))
        || !image.substring(colon + 1).equals(version)) {
      problem(d, where + "image " + image + " is not one of " + IMAGES + " tagged " + version);
    }
    // command line: serve <component> --port P --metrics-port M
    List<String> args = nonNull(c.getArgs());
    String component = podLabels(d).get(COMPONENT);
    if (args.size() < 2 || !args.get(0).equals("serve") || !args.get(1).equals(component)) {
      problem(d, where + "args " + args + " do not start with [serve, " + component + "]");
    }
    Optional<Integer> grpc = namedPort(c, "grpc");
    Optional<Integer> metrics = namedPort(c, "metrics");
    if (grpc.isEmpty() || metrics.isEmpty()) {
      problem(d, where + "needs container ports named grpc and metrics");
    }
    grpc.ifPresent(p -> requireArg(d, where, args, "--port", p));
    metrics.ifPresent(p -> requireArg(d, where, args, "--metrics-port", p));
    // probes: grpc.health.v1, as HTTP /health on the metrics port (works whatever the gRPC port
    // speaks), or as a native gRPC probe on the gRPC port, which the kubelet speaks in plaintext
    // only
    boolean tls = environment(c).containsKey("LATENTSERVE_TLS_CERT");
    Map<String, Probe> probes = new LinkedHashMap<>();
    probes.put("startupProbe", c.getStartupProbe());
    probes.put("readinessProbe", c.getReadinessProbe());
    probes.put("livenessProbe", c.getLivenessProbe());
    probes.forEach(
        (name, probe) -> {
          if (probe != null && probe.getHttpGet() != null) {
            var get = probe.getHttpGet();
            var port = get.getPort();
            boolean onMetrics =
                port != null
                    && ("metrics".equals(port.getStrVal())
                        || (metrics.isPresent() && metrics.get().equals(port.getIntVal())));
            if (!"/health".equals(get.getPath()) || !onMetrics) {
              problem(
                  d,
                  where
                      + name
                      + " gets "
                      + get.getPath()
                      + " on port "
                      + (port == null ? null : port.getValue())
                      + ", health is /health on the metrics port");
            }
          } else if (probe == null || probe.getGrpc() == null) {
            problem(d, where + name + " is neither an HTTP /health probe nor a gRPC probe");
          } else if (tls) {
            problem(
                d,
                where
                    + name
                    + " is a gRPC probe, which the kubelet speaks in plaintext, but the gRPC port"
                    + " speaks TLS: probe /health on the metrics port");
          } else if (grpc.isPresent() && !grpc.get().equals(probe.getGrpc().getPort())) {
            problem(
                d,
                where
                    + name
                    + " checks port "
                    + probe.getGrpc().getPort()
                    + ", the gRPC port is "
                    + grpc.get());
          }
        });
    // Prometheus annotations
    Map<String, String> annotations =
        Objects.requireNonNullElse(
            d.getSpec().getTemplate().getMetadata().getAnnotations(), Map.of());
    if (!"true".equals(annotations.get("prometheus.io/scrape"))
        || !"/metrics".equals(annotations.get("prometheus.io/path"))) {
      problem(d, "pod annotations lack prometheus.io/scrape: \"true\" and path /metrics");
    }
    metrics.ifPresent(
        p -> {
          if (!String.valueOf(p).equals(annotations.get("prometheus.io/port"))) {
            problem(
                d,
                "annotation prometheus.io/port is "
                    + annotations.get("prometheus.io/port")
                    + ", the metrics port is "
                    + p);
          }
        });
    // security
    SecurityContext sc = c.getSecurityContext();
    if (sc == null
        || !Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())
        || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())
        || sc.getCapabilities() == null
        || !nonNull(sc.getCapabilities().getDrop()).contains("ALL")) {
      problem(
          d,
          where
              + "securityContext needs readOnlyRootFilesystem: true,"
              + " allowPrivilegeEscalation: false and capabilities.drop: [ALL]");
    }
    if (sc != null && Boolean.FALSE.equals(sc.getRunAsNonRoot())) {
      problem(d, where + "securityContext.runAsNonRoot is false");
    }
    // resources
    var resources = c.getResources();
    var requests = resources == null ? null : resources.getRequests();
    var limits = resources == null ? null : resources.getLimits();
    if (requests == null || !requests.containsKey("cpu") || !requests.containsKey("memory")) {
      problem(d, where + "resources.requests need cpu and memory");
    }
    if (limits == null || !limits.containsKey("cpu") || !limits.containsKey("memory")) {
      problem(d, where + "resources.limits need cpu and memory");
    }
    // mounts
    boolean tmp = false;
    for (VolumeMount m : nonNull(c.getVolumeMounts())) {
      Volume v = volumes.get(m.getName());
      if (v == null) {
        problem(d, where + "volumeMount " + m.getMountPath() + " names no volume " + m.getName());
      } else if (m.getMountPath().equals("/tmp") && v.getEmptyDir() != null) {
        tmp = true;
      }
    }
    if (!tmp) {
      problem(d, where + "needs an emptyDir at /tmp (the root filesystem is read-only)");
    }
    dataPaths(d, c, args, volumes);
    secretFiles(d, c, component, args, volumes);
    // configuration
    for (EnvFromSource from : nonNull(c.getEnvFrom())) {
      if (from.getConfigMapRef() != null
          && !Boolean.TRUE.equals(from.getConfigMapRef().getOptional())
          && manifests.find(ConfigMap.class, from.getConfigMapRef().getName()).isEmpty()) {
        problem(d, where + "envFrom names no ConfigMap " + from.getConfigMapRef().getName());
      }
    }
    for (EnvVar e : nonNull(c.getEnv())) {
      if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
        var ref = e.getValueFrom().getConfigMapKeyRef();
        boolean found =
            manifests
                .find(ConfigMap.class, ref.getName())
                .map(cm -> nonNull(cm.getData()).containsKey(ref.getKey()))
                .orElse(false);
        if (!found) {
          problem(d, where + "env " + e.getName() + " refers to a missing ConfigMap key");
        }
      }
    }
    String grace = environment(c).get(SHUTDOWN_GRACE);
    if (grace == null) {
      problem(d, where + "has no " + SHUTDOWN_GRACE);
    } else {
      long graceSeconds = parseDuration(grace).toSeconds();
      Long period = pod.getTerminationGracePeriodSeconds();
      if (period == null || period < graceSeconds + GRACE_MARGIN_SECONDS) {
        problem(
            d,
            "terminationGracePeriodSeconds "
                + period
                + " is not at least "
                + SHUTDOWN_GRACE
                + " ("
                + graceSeconds
                + " s) + "
                + GRACE_MARGIN_SECONDS
                + " s");
      }
    }
  }

  /** The settings whose value is a file a service reads, by the components that read them. */
  private static final Map<String, Set<String>> SECRET_FILES =
      Map.of(
          "LATENTSERVE_TLS_CERT", Set.of("inference", "trainer", "evaluator"),
          "LATENTSERVE_TLS_KEY", Set.of("inference", "trainer", "evaluator"),
          "LATENTSERVE_TLS_CLIENT_CA", Set.of("inference", "trainer", "evaluator"),
          "LATENTSERVE_AUTH_TOKENS", Set.of("inference", "trainer", "evaluator"),
          "LATENTSERVE_INFERENCE_TLS_CA", Set.of("evaluator"),
          "LATENTSERVE_INFERENCE_TLS_CERT", Set.of("evaluator"),
          "LATENTSERVE_INFERENCE_TLS_KEY", Set.of("evaluator"),
          "LATENTSERVE_INFERENCE_TOKEN_FILE", Set.of("evaluator"));

  /** The flags of {@code serve} whose value is a certificate, key or tokens file. */
  private static final Set<String> SECRET_FLAGS =
      Set.of(
          "--tls-cert",
          "--tls-key",
          "--tls-client-ca",
          "--auth-tokens",
          "--inference-tls-ca",
          "--inference-tls-cert",
          "--inference-tls-key",
          "--inference-token-file");

  /**
   * Every certificate, key and token file a container's service reads is a key of a Secret mounted
   * read-only where the setting points: a missing one stops the service at start.
   */
  private void secretFiles(
      Deployment d, Container c, String component, List<String> args, Map<String, Volume> volumes) {
    Map<String, String> files = new LinkedHashMap<>();
    Map<String, String> env = environment(c);
    SECRET_FILES.forEach(
        (variable, readers) -> {
          if (env.containsKey(variable) && readers.contains(component)) {
            files.put(variable, env.get(variable));
          }
        });
    for (int i = 0; i + 1 < args.size(); i++) {
      if (SECRET_FLAGS.contains(args.get(i))) {
        files.put(args.get(i), args.get(i + 1));
      }
    }
    files.forEach(
        (variable, file) -> {
          boolean found = false;
          for (VolumeMount m : nonNull(c.getVolumeMounts())) {
            Volume v = volumes.get(m.getName());
            String dir = m.getMountPath() == null ? "" : m.getMountPath() + "/";
            if (v == null || v.getSecret() == null || dir.equals("/") || !file.startsWith(dir)) {
              continue;
            }
            String name = file.substring(dir.length());
            var items = nonNull(v.getSecret().getItems());
            found =
                Boolean.TRUE.equals(m.getReadOnly())
                    && (items.isEmpty() || items.stream().anyMatch(i -> i.getPath().equals(name)));
          }
          if (!found) {
            problem(
                d,
                "container "
                    + c.getName()
                    + ": "
                    + variable
                    + "="
                    + file
                    + " is in no mounted Secret (read-only, with that key)");
          }
        });
  }

  private void requireArg(Deployment d, String where, List<String> args, String flag, int port) {
    String value = argValue(args, flag);
    if (!String.valueOf(port).equals(value)) {
      problem(d, where + "arg " + flag + " is " + value + ", the container port is " + port);
    }
  }

  /** The data folders named on the command line live on the claim, read-only for inference. */
  private void dataPaths(
      Deployment d, Container c, List<String> args, Map<String, Volume> volumes) {
    boolean readOnly = "inference".equals(podLabels(d).get(COMPONENT));
    for (String flag : List.of("--model-repository", "--reports")) {
      String path = argValue(args, flag);
      if (path == null) {
        continue;
      }
      Optional<VolumeMount> mount =
          nonNull(c.getVolumeMounts()).stream()
              .filter(m -> path.equals(m.getMountPath()) || path.startsWith(m.getMountPath() + "/"))
              .findFirst();
      Volume v = mount.map(m -> volumes.get(m.getName())).orElse(null);
      if (v == null || v.getPersistentVolumeClaim() == null) {
        problem(d, flag + " " + path + " is not on a PersistentVolumeClaim mount");
        continue;
      }
      boolean mountReadOnly =
          Boolean.TRUE.equals(mount.get().getReadOnly())
              || Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly());
      if (mountReadOnly != readOnly) {
        problem(
            d,
            flag
                + " "
                + path
                + " is mounted "
                + (mountReadOnly ? "read-only" : "read-write")
                + ", expected "
                + (readOnly ? "read-only" : "read-write"));
      }
    }
  }

  // ---- Services and ServiceMonitors

  private void service(Service s) {
    Map<String, String> selector = nonNull(s.getSpec().getSelector());
    List<Deployment> targets = selected(s, selector);
    if (selector.isEmpty() || targets.isEmpty()) {
      problem(s, "selector " + selector + " matches no Deployment's pods");
    }
    for (ServicePort p : s.getSpec().getPorts()) {
      for (Deployment d : targets) {
        if (!resolves(p.getTargetPort(), d)) {
          problem(
              s,
              "port "
                  + p.getName()
                  + ": targetPort "
                  + str(p.getTargetPort())
                  + " is no container port of Deployment "
                  + d.getMetadata().getName());
        }
      }
    }
  }

  private void serviceMonitor(ServiceMonitor sm) {
    List<Service> services =
        manifests.all(Service.class).stream()
            .filter(s -> sameNamespace(s, sm))
            .filter(s -> matches(sm.getSpec().getSelector(), s.getMetadata().getLabels()))
            .toList();
    if (services.size() != 1) {
      problem(sm, "selector matches " + services.size() + " Services, expected exactly one");
      return;
    }
    Service s = services.get(0);
    for (Endpoint e : nonNull(sm.getSpec().getEndpoints())) {
      boolean found =
          s.getSpec().getPorts().stream().anyMatch(p -> e.getPort().equals(p.getName()));
      if (!found) {
        problem(
            sm,
            "endpoint port " + e.getPort() + " is no port of Service " + s.getMetadata().getName());
      }
    }
  }

  // ---- autoscaling and disruption budgets

  private void autoscaler(HorizontalPodAutoscaler hpa) {
    var ref = hpa.getSpec().getScaleTargetRef();
    Optional<Deployment> target =
        "Deployment".equals(ref.getKind()) && "apps/v1".equals(ref.getApiVersion())
            ? manifests.find(Deployment.class, ref.getName())
            : Optional.empty();
    if (target.isEmpty()) {
      problem(
          hpa,
          "scaleTargetRef "
              + ref.getApiVersion()
              + " "
              + ref.getKind()
              + " "
              + ref.getName()
              + " is no Deployment");
      return;
    }
    Deployment d = target.get();
    if (d.getSpec().getReplicas() != null) {
      problem(hpa, "Deployment " + ref.getName() + " sets replicas, which every apply resets");
    }
    for (MetricSpec metric : nonNull(hpa.getSpec().getMetrics())) {
      if (metric.getResource() == null) {
        continue;
      }
      String resource = metric.getResource().getName();
      for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
        var requests = c.getResources() == null ? null : c.getResources().getRequests();
        if (requests == null || !requests.containsKey(resource)) {
          problem(
              hpa, "scales on " + resource + " but container " + c.getName() + " requests none");
        }
      }
    }
  }

  private void disruptionBudget(PodDisruptionBudget pdb) {
    List<Deployment> targets =
        manifests.all(Deployment.class).stream()
            .filter(d -> sameNamespace(d, pdb))
            .filter(d -> matches(pdb.getSpec().getSelector(), podLabels(d)))
            .toList();
    if (targets.size() != 1) {
      problem(pdb, "selector matches " + targets.size() + " Deployments, expected exactly one");
      return;
    }
    Deployment d = targets.get(0);
    int replicas =
        manifests.all(HorizontalPodAutoscaler.class).stream()
            .filter(
                h -> h.getSpec().getScaleTargetRef().getName().equals(d.getMetadata().getName()))
            .map(h -> Objects.requireNonNullElse(h.getSpec().getMinReplicas(), 1))
            .findFirst()
            .orElse(Objects.requireNonNullElse(d.getSpec().getReplicas(), 1));
    IntOrString min = pdb.getSpec().getMinAvailable();
    if (min != null && min.getIntVal() != null && min.getIntVal() >= replicas) {
      problem(
          pdb,
          "minAvailable "
              + min.getIntVal()
              + " of "
              + replicas
              + " replicas blocks every eviction");
    }
  }

  // ---- network policies

  private void networkPolicy(NetworkPolicy np) {
    List<Deployment> targets = policyTargets(np);
    if (targets.isEmpty()) {
      problem(np, "podSelector matches no Deployment's pods");
    }
    for (NetworkPolicyIngressRule rule : nonNull(np.getSpec().getIngress())) {
      for (NetworkPolicyPort port : nonNull(rule.getPorts())) {
        for (Deployment d : targets) {
          if (!resolves(port.getPort(), d)) {
            problem(
                np,
                "ingress port "
                    + str(port.getPort())
                    + " is no container port of Deployment "
                    + d.getMetadata().getName());
          }
        }
      }
    }
  }

  /** Every container port of every Deployment is allowed in by some policy rule. */
  private void portsReachable() {
    if (manifests.all(NetworkPolicy.class).isEmpty()) {
      problems.add("no NetworkPolicy");
      return;
    }
    for (Deployment d : manifests.all(Deployment.class)) {
      for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
        for (ContainerPort p : nonNull(c.getPorts())) {
          if (allowingRules(d, p).isEmpty()) {
            problem(d, "port " + p.getName() + " is allowed by no NetworkPolicy ingress rule");
          }
        }
      }
    }
  }

  private List<Deployment> policyTargets(NetworkPolicy np) {
    return manifests.all(Deployment.class).stream()
        .filter(d -> sameNamespace(d, np))
        .filter(d -> matches(np.getSpec().getPodSelector(), podLabels(d)))
        .toList();
  }

  private List<NetworkPolicyIngressRule> allowingRules(Deployment d, ContainerPort p) {
    List<NetworkPolicyIngressRule> rules = new ArrayList<>();
    for (NetworkPolicy np : manifests.all(NetworkPolicy.class)) {
      if (!policyTargets(np).contains(d)) {
        continue;
      }
      for (NetworkPolicyIngressRule rule : nonNull(np.getSpec().getIngress())) {
        boolean allowed =
            nonNull(rule.getPorts()).isEmpty()
                || rule.getPorts().stream().anyMatch(port -> samePort(port.getPort(), p));
        if (allowed) {
          rules.add(rule);
        }
      }
    }
    return rules;
  }

  // ---- the evaluator's inference target

  /** The evaluator reaches the inference replicas through the headless Service. */
  private void inferenceTarget() {
    List<Deployment> evaluators =
        manifests.all(Deployment.class).stream()
            .filter(d -> "evaluator".equals(podLabels(d).get(COMPONENT)))
            .toList();
    if (evaluators.isEmpty()) {
      problems.add("no evaluator Deployment");
    }
    for (Deployment d : evaluators) {
      for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
        String target = environment(c).get(INFERENCE_TARGET);
        if (target == null) {
          problem(d, "container " + c.getName() + " has no " + INFERENCE_TARGET);
        } else {
          inferenceTarget(d, target);
        }
      }
    }
  }

  private void inferenceTarget(Deployment client, String target) {
    Matcher m = DNS_TARGET.matcher(target);
    if (!m.matches()) {
      problem(client, INFERENCE_TARGET + " " + target + " is not dns:///<service>:<port>");
      return;
    }
    String host = m.group(1);
    String name = host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
    int port = Integer.parseInt(m.group(2));
    Optional<Service> service = manifests.find(Service.class, name);
    if (service.isEmpty()) {
      problem(client, INFERENCE_TARGET + " names no Service " + name);
      return;
    }
    Service s = service.get();
    if (!"None".equals(s.getSpec().getClusterIP())) {
      problem(
          client,
          INFERENCE_TARGET
              + " names Service "
              + name
              + ", which is not headless (clusterIP: None): round-robin would see one address");
    }
    Optional<ServicePort> servicePort =
        s.getSpec().getPorts().stream().filter(p -> p.getPort() == port).findFirst();
    if (servicePort.isEmpty()) {
      problem(client, INFERENCE_TARGET + " port " + port + " is no port of Service " + name);
      return;
    }
    for (Deployment d : selected(s, nonNull(s.getSpec().getSelector()))) {
      if (!"inference".equals(podLabels(d).get(COMPONENT))) {
        problem(client, INFERENCE_TARGET + " reaches Deployment " + d.getMetadata().getName());
        continue;
      }
      Optional<ContainerPort> grpc =
          d.getSpec().getTemplate().getSpec().getContainers().stream()
              .flatMap(c -> nonNull(c.getPorts()).stream())
              .filter(p -> samePort(servicePort.get().getTargetPort(), p))
              .findFirst();
      if (grpc.isEmpty() || !"grpc".equals(grpc.get().getName())) {
        problem(client, INFERENCE_TARGET + " port " + port + " is not the inference gRPC port");
        continue;
      }
      boolean allowed =
          allowingRules(d, grpc.get()).stream()
              .anyMatch(
                  rule ->
                      nonNull(rule.getFrom()).isEmpty()
                          || rule.getFrom().stream().anyMatch(peer -> admits(peer, client)));
      if (!allowed) {
        problem(
            client,
            "no NetworkPolicy lets its pods reach the gRPC port of " + d.getMetadata().getName());
      }
    }
  }

  /** Whether a policy peer admits the pods of a Deployment in the policy's own namespace. */
  private static boolean admits(NetworkPolicyPeer peer, Deployment d) {
    if (peer.getIpBlock() != null) {
      return false;
    }
    boolean namespaceOk =
        peer.getNamespaceSelector() == null || isEmpty(peer.getNamespaceSelector());
    return namespaceOk
        && (peer.getPodSelector() == null || matches(peer.getPodSelector(), podLabels(d)));
  }

  // ---- claims

  private void claim(PersistentVolumeClaim pvc) {
    if (!nonNull(pvc.getSpec().getAccessModes()).contains("ReadWriteMany")) {
      problem(pvc, "accessModes lack ReadWriteMany (replicas on several nodes mount it)");
    }
    boolean used =
        manifests.all(Deployment.class).stream()
            .flatMap(d -> nonNull(d.getSpec().getTemplate().getSpec().getVolumes()).stream())
            .anyMatch(
                v ->
                    v.getPersistentVolumeClaim() != null
                        && v.getPersistentVolumeClaim()
                            .getClaimName()
                            .equals(pvc.getMetadata().getName()));
    if (!used) {
      problem(pvc, "no Deployment mounts it");
    }
  }

  // ---- helpers

  private Map<String, String> environment(Container c) {
    return environment(manifests, c);
  }

  /** The environment a container sees: its ConfigMaps' data, then its own env (which wins). */
  static Map<String, String> environment(Manifests manifests, Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : nonNull(c.getEnvFrom())) {
      if (from.getConfigMapRef() != null) {
        manifests
            .find(ConfigMap.class, from.getConfigMapRef().getName())
            .ifPresent(cm -> env.putAll(nonNull(cm.getData())));
      }
    }
    for (EnvVar e : nonNull(c.getEnv())) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      }
    }
    return env;
  }

  static Map<String, String> podLabels(Deployment d) {
    var meta = d.getSpec().getTemplate().getMetadata();
    return meta == null ? Map.of() : nonNull(meta.getLabels());
  }

  private List<Deployment> selected(Service s, Map<String, String> selector) {
    if (selector.isEmpty()) {
      return List.of();
    }
    return manifests.all(Deployment.class).stream()
        .filter(d -> sameNamespace(d, s))
        .filter(d -> podLabels(d).entrySet().containsAll(selector.entrySet()))
        .toList();
  }

  private static boolean sameNamespace(HasMetadata a, HasMetadata b) {
    return Objects.equals(a.getMetadata().getNamespace(), b.getMetadata().getNamespace());
  }

  /**
   * Label selector semantics: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist).
   */
  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (!l.entrySet().containsAll(nonNull(selector.getMatchLabels()).entrySet())) {
      return false;
    }
    for (LabelSelectorRequirement r : nonNull(selector.getMatchExpressions())) {
      String value = l.get(r.getKey());
      boolean ok =
          switch (r.getOperator()) {
            case "In" -> value != null && r.getValues().contains(value);
            case "NotIn" -> value == null || !r.getValues().contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            default -> throw new IllegalArgumentException("operator " + r.getOperator());
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean isEmpty(LabelSelector selector) {
    return nonNull(selector.getMatchLabels()).isEmpty()
        && nonNull(selector.getMatchExpressions()).isEmpty();
  }

  private static boolean resolves(IntOrString target, Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .flatMap(c -> nonNull(c.getPorts()).stream())
        .anyMatch(p -> samePort(target, p));
  }

  private static boolean samePort(IntOrString ref, ContainerPort p) {
    if (ref == null) {
      return false;
    }
    return ref.getStrVal() != null
        ? ref.getStrVal().equals(p.getName())
        : Objects.equals(ref.getIntVal(), p.getContainerPort());
  }

  private static Optional<Integer> namedPort(Container c, String name) {
    return nonNull(c.getPorts()).stream()
        .filter(p -> name.equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst();
  }

  /** The value of {@code --flag value} or {@code --flag=value}, or null. */
  static String argValue(List<String> args, String flag) {
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals(flag) && i + 1 < args.size()) {
        return args.get(i + 1);
      }
      if (args.get(i).startsWith(flag + "=")) {
        return args.get(i).substring(flag.length() + 1);
      }
    }
    return null;
  }

  /** A duration as the services write it: 500ms, 20s, 2m, 1h. */
  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + text);
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  private static String str(IntOrString v) {
    return v == null
        ? "null"
        : v.getStrVal() != null ? v.getStrVal() : String.valueOf(v.getIntVal());
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static <K, V> Map<K, V> nonNull(Map<K, V> map) {
    return map == null ? Map.of() : map;
  }
}
