package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.cli.DemoBundle;
import io.latentserve.cli.LatentserveCli;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentserveVersion;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ListEvaluationsRequest;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.wire.TensorCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.containers.wait.strategy.WaitAllStrategy;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * The container images that cli's {@code images} profile builds with Jib (deploy/README.md,
 * "Building the images").
 *
 * <p>{@link Configuration} needs no Docker engine and no registry: Maven renders the images'
 * configuration, which must fit what deploy/k8s asks of them (image names, entrypoint and args,
 * user, ports, environment, a read-only root with temporary files in the {@code /tmp} emptyDir).
 *
 * <p>{@link InDocker} runs the built images the way the Deployments do, and is skipped, with the
 * reason, where no Docker engine answers or the image was not built into it. Images: system
 * properties {@code latentserve.image} and {@code latentserve.image.gpu}, by default {@code
 * latentserve/latentserve:<version>} and {@code latentserve/latentserve-gpu:<version>}.
 */
class ContainerImagesIT {
  static final String CPU_IMAGE =
      System.getProperty(
          "latentserve.image", "latentserve/latentserve:" + LatentserveVersion.get());
  static final String GPU_IMAGE =
      System.getProperty(
          "latentserve.image.gpu", "latentserve/latentserve-gpu:" + LatentserveVersion.get());

  private static final String LAUNCHER = "/usr/local/bin/latentserve";

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Configuration {
    private Path work;
    private Path root;
    private DeployManifests manifests;
    private ImageConfiguration rendered;
    private ImageConfiguration.Image cpu;
    private ImageConfiguration.Image gpu;

    @BeforeAll
    void render(@TempDir Path work) throws IOException {
      this.work = work;
      root = HostTool.sourceRoot();
      manifests = DeployManifests.read(root);
      rendered = ImageConfiguration.render(root, work, true);
      cpu = rendered.cpu();
      gpu = rendered.gpu();
    }

    @Test
    void defaultBuild_withoutImagesProfile_doesNotRunJib() throws IOException {
      ImageConfiguration plain = ImageConfiguration.render(root, work, false);

      assertThat(plain.runsPlugin("jib-maven-plugin")).isFalse();
      assertThat(rendered.runsPlugin("jib-maven-plugin")).isTrue();
    }

    @Test
    void cpuImage_name_isTheImageOfEveryBaseDeployment() {
      assertThat(cpu.to()).isEqualTo("latentserve/latentserve:" + LatentserveVersion.get());
      for (String service : DeployManifests.SERVICES) {
        assertThat(manifests.container(service).path("image").asText())
            .as("image of latentserve-%s", service)
            .isEqualTo(cpu.to());
      }
    }

    @Test
    void gpuImage_name_isTheImageOfTheGpuOverlay() {
      assertThat(gpu.to()).isEqualTo("latentserve/latentserve-gpu:" + LatentserveVersion.get());
      assertThat(manifests.gpuInferenceImage()).isEqualTo(gpu.to());
    }

    @Test
    void entrypoint_isTheLauncherScript_whichRunsTheCliOnJibsClasspath() throws IOException {
      for (ImageConfiguration.Image image : List.of(cpu, gpu)) {
        assertThat(image.entrypoint()).as(image.to()).containsExactly(LAUNCHER);
        assertThat(image.permissions()).as(image.to()).containsEntry(LAUNCHER, "755");
        Path script = fileInImage(image, LAUNCHER);
        assertThat(Files.isExecutable(script)).as("%s is executable", script).isTrue();
        assertThat(Files.readString(script))
            .startsWith("#!/bin/sh\n")
            .contains("exec \"${JAVA_HOME")
            .contains("-cp @/app/jib-classpath-file " + LatentserveCli.class.getName() + " \"$@\"");
      }
    }

    @Test
    void deployments_argsAlone_serveTheirOwnServiceThroughTheEntrypoint() {
      for (String service : DeployManifests.SERVICES) {
        JsonNode container = manifests.container(service);
        assertThat(container.has("command"))
            .as("latentserve-%s overrides the entrypoint", service)
            .isFalse();
        assertThat(manifests.args(service)).as(service).startsWith("serve", service);
      }
    }

    @Test
    void user_isEveryPodsRunAsUserAndGroup() {
      for (String service : DeployManifests.SERVICES) {
        JsonNode security = manifests.podSpec(service).path("securityContext");
        assertThat(security.path("runAsUser").asText() + ":" + security.path("runAsGroup").asText())
            .as(service)
            .isEqualTo(cpu.user())
            .isEqualTo(gpu.user());
      }
      assertThat(cpu.user()).isEqualTo("65532:65532");
    }

    @Test
    void exposedPorts_areTheDeploymentsContainerPorts() {
      Set<Integer> containerPorts = new TreeSet<>();
      for (String service : DeployManifests.SERVICES) {
        manifests
            .container(service)
            .path("ports")
            .forEach(port -> containerPorts.add(port.path("containerPort").asInt()));
      }

      assertThat(containerPorts).containsExactly(9464, 9465, 9466, 50051, 50052, 50053);
      assertThat(cpu.ports()).isEqualTo(containerPorts);
      assertThat(gpu.ports()).isEqualTo(containerPorts);
    }

    @Test
    void temporaryFiles_goToTheTmpEmptyDir_underAReadOnlyRoot() {
      String javaToolOptions = manifests.configMap().get("JAVA_TOOL_OPTIONS");
      Map<String, String> properties = systemProperties(javaToolOptions);
      assertThat(properties)
          .containsKeys("java.io.tmpdir", "user.home", "org.bytedeco.javacpp.cachedir");
      assertThat(properties.values())
          .allMatch(value -> value.equals("/tmp") || value.startsWith("/tmp/"));
      for (ImageConfiguration.Image image : List.of(cpu, gpu)) {
        // the same JVM flags with or without Kubernetes (docker run has no ConfigMap)
        assertThat(image.environment())
            .as(image.to())
            .containsEntry("JAVA_TOOL_OPTIONS", javaToolOptions)
            .containsEntry("HOME", "/tmp")
            .containsEntry("OMP_NUM_THREADS", "1");
        assertThat(image.workingDirectory()).isEqualTo("/tmp");
      }
      for (String service : DeployManifests.SERVICES) {
        assertThat(
                manifests
                    .container(service)
                    .path("securityContext")
                    .path("readOnlyRootFilesystem")
                    .asBoolean())
            .as("read-only root of %s", service)
            .isTrue();
        assertThat(manifests.mountPath(service, "tmp")).as(service).hasValue("/tmp");
        assertThat(manifests.volume(service, "tmp").orElseThrow().has("emptyDir"))
            .as("/tmp of %s is an emptyDir", service)
            .isTrue();
      }
    }

    @Test
    void dataPaths_areTheDeploymentsPaths_onTheDataVolume() {
      for (ImageConfiguration.Image image : List.of(cpu, gpu)) {
        Map<String, String> env = image.environment();
        assertThat(manifests.flag("inference", "--model-repository"))
            .hasValue(env.get("LATENTSERVE_MODEL_REPOSITORY"));
        assertThat(manifests.flag("trainer", "--model-repository"))
            .hasValue(env.get("LATENTSERVE_MODEL_REPOSITORY"));
        assertThat(manifests.flag("evaluator", "--reports"))
            .hasValue(env.get("LATENTSERVE_REPORTS_DIR"));
        for (String variable :
            List.of(
                "LATENTSERVE_MODEL_REPOSITORY",
                "LATENTSERVE_REPORTS_DIR",
                "LATENTSERVE_DATA_DIR")) {
          assertThat(env.get(variable))
              .as(variable)
              .startsWith(manifests.mountPath("evaluator", "data").orElseThrow() + "/");
        }
      }
    }

    @Test
    void gpuImage_cudaBaseAndJlinkedJava_areWhatOnnxRuntimeGpuAndTheLauncherNeed() {
      // onnxruntime_gpu 1.23 loads libcudart.so.12, libcublas(Lt).so.12, libcufft.so.11,
      // libcurand.so.10 and libcudnn.so.9: a CUDA 12 runtime image with cuDNN 9
      assertThat(gpu.from())
          .matches(
              "nvidia/cuda:12\\.\\d+(\\.\\d+)?-cudnn9?-runtime-ubuntu\\d\\d\\.\\d\\d"
                  + "(@sha256:[0-9a-f]{64})?");
      assertThat(cpu.from()).matches("eclipse-temurin:17[^:@]*-jre[^:@]*(@sha256:[0-9a-f]{64})?");
      assertThat(cpu.environment()).containsEntry("LATENTSERVE_DEVICE", "cpu");
      assertThat(gpu.environment()).containsEntry("LATENTSERVE_DEVICE", "auto");

      String javaHome = gpu.environment().get("JAVA_HOME");
      assertThat(javaHome).isEqualTo("/opt/java/jre");
      assertThat(gpu.environment().get("PATH")).startsWith(javaHome + "/bin:");
      assertThat(gpu.permissions()).containsEntry(javaHome + "/bin/*", "755");
      List<String> jlink = rendered.executionArguments("exec-maven-plugin", "jlink-image-jre");
      Path output = Path.of(jlink.get(jlink.indexOf("--output") + 1));
      List<Path> runtimeRoots =
          gpu.extraDirectories().entrySet().stream()
              .filter(e -> e.getValue().equals("/"))
              .map(Map.Entry::getKey)
              .filter(from -> from.resolve(javaHome.substring(1)).equals(output))
              .toList();
      assertThat(runtimeRoots).as("jlink's output is in the GPU image at JAVA_HOME").hasSize(1);
      assertThat(cpu.extraDirectories()).doesNotContainKey(runtimeRoots.get(0));
      assertThat(List.of(jlink.get(jlink.indexOf("--add-modules") + 1).split(",")))
          .contains("java.base", "java.desktop", "java.management", "jdk.unsupported");
    }

    /** The file at {@code pathInImage} in the image's extra directories, in the source tree. */
    private Path fileInImage(ImageConfiguration.Image image, String pathInImage) {
      for (Map.Entry<Path, String> directory : image.extraDirectories().entrySet()) {
        String into =
            directory.getValue().endsWith("/") ? directory.getValue() : directory.getValue() + "/";
        if (pathInImage.startsWith(into)) {
          Path candidate = directory.getKey().resolve(pathInImage.substring(into.length()));
          if (Files.exists(candidate)) {
            return candidate;
          }
        }
      }
      throw new AssertionError(pathInImage + " is in no extra directory of " + image.to());
    }
  }

  /** {@code -Dname=value} flags of a JVM option string. */
  static Map<String, String> systemProperties(String jvmOptions) {
    Map<String, String> properties = new LinkedHashMap<>();
    for (String option : jvmOptions.trim().split("\\s+")) {
      if (option.startsWith("-D") && option.contains("=")) {
        properties.put(
            option.substring(2, option.indexOf('=')), option.substring(option.indexOf('=') + 1));
      }
    }
    return properties;
  }

  @Nested
  @Testcontainers(disabledWithoutDocker = true)
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class InDocker {
    private Path work;
    private DeployManifests manifests;
    private Network network;
    private GenericContainer<?> inference;
    private ManagedChannel inferenceChannel;

    @BeforeAll
    void startInference(@TempDir Path work) throws IOException {
      this.work = work;
      requireImage(CPU_IMAGE);
      manifests = DeployManifests.read(HostTool.sourceRoot());
      network = Network.newNetwork();
      Path data = work.resolve("data");
      DemoBundle.IWAE1.publish(new FileSystemModelRepository(data.resolve("models")), "demo", 1);
      readableByAll(data);
      inference =
          service(CPU_IMAGE, "inference", Map.of(), false)
              .withNetworkAliases("inference")
              // as in the Deployment: the whole data volume, read-only
              .withFileSystemBind(
                  data.toString(),
                  manifests.mountPath("inference", "data").orElseThrow(),
                  BindMode.READ_ONLY);
      inference.start();
      inferenceChannel = channel(inference, grpcPort("inference"));
    }

    @AfterAll
    void stop() {
      if (inferenceChannel != null) {
        inferenceChannel.shutdownNow();
      }
      if (inference != null) {
        inference.stop();
      }
      if (network != null) {
        network.close();
      }
    }

    @Test
    void inference_cpuImage_servesTheReadOnlyRepositoryAsUser65532() throws Exception {
      List<ModelInfo> models =
          InferenceGrpc.newBlockingStub(inferenceChannel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .listModels(ListModelsRequest.getDefaultInstance())
              .getModelsList();

      assertThat(models)
          .singleElement()
          .satisfies(
              model -> {
                assertThat(model.getName()).isEqualTo("demo");
                assertThat(model.getVersion()).isEqualTo(1);
                assertThat(model.getDevice()).isEqualTo("cpu");
              });
      assertThat(inference.execInContainer("id", "-u").getStdout().trim()).isEqualTo("65532");
      assertThat(inference.execInContainer("touch", "/probe").getExitCode())
          .as("the root filesystem is read-only")
          .isNotZero();
      // ONNX Runtime unpacked its native library into the /tmp mount
      assertThat(inference.execInContainer("ls", "/tmp").getStdout()).contains("onnxruntime-java");
      assertThat(scrape(inference, metricsPort("inference"))).contains("latentserve_models_loaded");
    }

    @Test
    void evaluator_cpuImage_evaluatesTheModelOfTheInferenceContainer_thenStopsOnSigterm()
        throws Exception {
      try (GenericContainer<?> evaluator =
          service(
              CPU_IMAGE,
              "evaluator",
              Map.of("LATENTSERVE_INFERENCE_TARGET", "dns:///inference:" + grpcPort("inference")),
              true)) {
        evaluator.start();
        ManagedChannel channel = channel(evaluator, grpcPort("evaluator"));
        try {
          float[] x = new float[4 * 784];
          for (int i = 0; i < x.length; i++) {
            x[i] = (i * 7919L) % 13 < 4 ? 1f : 0f;
          }
          Iterator<EvaluateEvent> events =
              EvaluatorGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(3, TimeUnit.MINUTES)
                  .evaluate(
                      EvaluateRequest.newBuilder()
                          .setModel(ModelRef.newBuilder().setName("demo"))
                          .setInlineData(TensorCodec.encode(FloatTensor.of(x, 4, 784)))
                          .setK(8)
                          .addMetrics(Metric.METRIC_IWLL)
                          .addMetrics(Metric.METRIC_ELBO)
                          .setSeed(7)
                          .build());
          EvaluationReport report = null;
          while (events.hasNext()) {
            EvaluateEvent event = events.next();
            if (event.hasReport()) {
              report = event.getReport();
            }
          }

          assertThat(report).isNotNull();
          assertThat(report.getModel().getName()).isEqualTo("demo");
          assertThat(report.getExamples()).isEqualTo(4);
          assertThat(report.getIwll().getValue()).isFinite().isNegative();
          assertThat(report.getElbo().getValue()).isFinite().isNegative();
          assertThat(report.getJsonPath())
              .startsWith(manifests.flag("evaluator", "--reports").orElseThrow() + "/");
          assertThat(
                  EvaluatorGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(30, TimeUnit.SECONDS)
                      .listEvaluations(ListEvaluationsRequest.getDefaultInstance())
                      .getReportsList())
              .extracting(EvaluationReport::getEvaluationId)
              .contains(report.getEvaluationId());
        } finally {
          channel.shutdownNow();
        }

        // SIGTERM reaches the JVM through the launcher's exec: a graceful stop, not a kill
        String id = evaluator.getContainerId();
        evaluator.getDockerClient().stopContainerCmd(id).withTimeout(30).exec();
        Long exitCode =
            evaluator.getDockerClient().inspectContainerCmd(id).exec().getState().getExitCodeLong();
        assertThat(exitCode).isIn(0L, 143L);
      }
    }

    @Test
    void trainer_cpuImage_becomesServing() throws Exception {
      try (GenericContainer<?> trainer = service(CPU_IMAGE, "trainer", Map.of(), true)) {
        trainer.start();

        assertThat(trainer.isRunning()).isTrue();
        assertThat(scrape(trainer, metricsPort("trainer"))).contains("grpc_server");
      }
    }

    @Test
    void inference_gpuImageWithoutAGpu_fallsBackToTheCpu() throws Exception {
      requireImage(GPU_IMAGE);
      Path data = work.resolve("data");
      try (GenericContainer<?> gpuInference =
          service(GPU_IMAGE, "inference", Map.of(), false)
              .withFileSystemBind(
                  data.toString(),
                  manifests.mountPath("inference", "data").orElseThrow(),
                  BindMode.READ_ONLY)) {
        gpuInference.start();
        ManagedChannel channel = channel(gpuInference, grpcPort("inference"));
        try {
          List<ModelInfo> models =
              InferenceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .listModels(ListModelsRequest.getDefaultInstance())
                  .getModelsList();

          assertThat(models).extracting(ModelInfo::getDevice).containsExactly("cpu");
          assertThat(gpuInference.execInContainer("java", "-version").getStderr()).contains("17.");
        } finally {
          channel.shutdownNow();
        }
      }
    }

    /**
     * A container run as the service's Deployment runs it: its args, the ConfigMap as environment
     * (plus {@code overrides}), a read-only root filesystem, no capabilities, and a tmpfs at {@code
     * /tmp} for the emptyDir (with exec: native libraries are loaded from there).
     *
     * @param writableData a tmpfs at the data volume's mount path, for a service that writes there
     */
    private GenericContainer<?> service(
        String image, String service, Map<String, String> overrides, boolean writableData) {
      Map<String, String> env = new HashMap<>(manifests.configMap());
      // plaintext without tokens: the Secrets are not here, and SecurityIT tests TLS and tokens
      env.keySet().removeIf(k -> k.contains("_TLS_") || k.contains("TOKEN"));
      env.putAll(overrides);
      List<String> args = new java.util.ArrayList<>(manifests.args(service));
      int clientCa = args.indexOf("--tls-client-ca");
      if (clientCa >= 0) {
        args.subList(clientCa, clientCa + 2).clear();
      }
      Map<String, String> tmpfs = new HashMap<>(Map.of("/tmp", "rw,exec,size=1g"));
      if (writableData) {
        tmpfs.put(manifests.mountPath(service, "data").orElseThrow(), "rw,size=256m,mode=1777");
      }
      int grpc = grpcPort(service);
      Duration startup = Duration.ofMinutes(3);
      return new GenericContainer<>(DockerImageName.parse(image))
          .withCommand(args.toArray(String[]::new))
          .withEnv(env)
          .withExposedPorts(grpc, metricsPort(service))
          .withNetwork(network)
          .withTmpFs(tmpfs)
          .withCreateContainerCmdModifier(
              create ->
                  create
                      .getHostConfig()
                      .withReadonlyRootfs(true)
                      .withCapDrop(Capability.ALL)
                      .withSecurityOpts(List.of("no-new-privileges")))
          .waitingFor(
              new WaitAllStrategy()
                  .withStrategy(
                      Wait.forLogMessage(".*listening on port.*\\n", 1).withStartupTimeout(startup))
                  .withStrategy(new GrpcServing(grpc).withStartupTimeout(startup))
                  .withStartupTimeout(startup));
    }

    private int grpcPort(String service) {
      return Integer.parseInt(manifests.flag(service, "--port").orElseThrow());
    }

    private int metricsPort(String service) {
      return Integer.parseInt(manifests.flag(service, "--metrics-port").orElseThrow());
    }
  }

  /** Skips the test where the image is not in the Docker engine (it is built, not pulled). */
  static void requireImage(String image) {
    try {
      DockerClientFactory.instance().client().inspectImageCmd(image).exec();
    } catch (NotFoundException e) {
      String reason =
          image
              + " is not in the Docker engine; build it first: mvn -Pimages -pl cli -am package"
              + " -DskipTests jib:dockerBuild (or jib:dockerBuild@gpu)";
      System.err.println("skipped: " + reason);
      Assumptions.abort(reason);
    }
  }

  static ManagedChannel channel(GenericContainer<?> container, int port) {
    return ManagedChannelBuilder.forAddress(container.getHost(), container.getMappedPort(port))
        .usePlaintext()
        .build();
  }

  static String scrape(GenericContainer<?> container, int metricsPort)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://"
                                + container.getHost()
                                + ":"
                                + container.getMappedPort(metricsPort)
                                + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The container user (65532) must read what the test wrote with this user's umask. */
  static void readableByAll(Path tree) throws IOException {
    try (Stream<Path> paths = Files.walk(tree)) {
      paths.forEach(
          path -> {
            try {
              Files.setPosixFilePermissions(
                  path,
                  PosixFilePermissions.fromString(
                      Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }

  /**
   * Ready when grpc.health.v1 reports SERVING for the whole server (service ""), as the
   * Deployments' gRPC probes require: followed with the streaming Watch call, so nothing polls.
   */
  static final class GrpcServing extends AbstractWaitStrategy {
    private final int port;

    GrpcServing(int port) {
      this.port = port;
    }

    @Override
    protected void waitUntilReady() {
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress(
                  waitStrategyTarget.getHost(), waitStrategyTarget.getMappedPort(port))
              .usePlaintext()
              .build();
      try {
        Iterator<HealthCheckResponse> statuses =
            HealthGrpc.newBlockingStub(channel)
                .withWaitForReady()
                .withDeadlineAfter(startupTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .watch(HealthCheckRequest.getDefaultInstance());
        while (statuses.hasNext()) {
          if (statuses.next().getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
            return;
          }
        }
        throw new ContainerLaunchException("the health stream ended before SERVING");
      } catch (StatusRuntimeException e) {
        throw new ContainerLaunchException(
            "not SERVING on port " + port + " within " + startupTimeout + ": " + e.getStatus(), e);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
