package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.server.security.ServerSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferenceConfigTest {

  @Test
  void fromEnvironment_empty_returnsDefaults() {
    InferenceConfig config = InferenceConfig.fromEnvironment(Map.of());

    assertThat(config).isEqualTo(InferenceConfig.defaults());
    assertThat(config.host()).as("every interface").isEmpty();
    assertThat(config.port()).isEqualTo(50051);
    assertThat(config.maxK()).isEqualTo(5000);
    assertThat(config.device()).isEqualTo("auto");
    assertThat(config.batching()).isTrue();
  }

  @Test
  void fromEnvironment_everyVariable_overridesDefaults() {
    Map<String, String> env =
        Map.ofEntries(
            Map.entry("LATENTSERVE_HOST", "127.0.0.2"),
            Map.entry("LATENTSERVE_PORT", "7001"),
            Map.entry("LATENTSERVE_METRICS_PORT", "7002"),
            Map.entry("LATENTSERVE_MODEL_REPOSITORY", "/srv/models"),
            Map.entry("LATENTSERVE_DEVICE", "CUDA:1"),
            Map.entry("LATENTSERVE_BATCHING", "false"),
            Map.entry("LATENTSERVE_MAX_BATCH_ROWS", "64"),
            Map.entry("LATENTSERVE_MAX_QUEUE_DELAY", "5ms"),
            Map.entry("LATENTSERVE_MAX_QUEUE_LENGTH", "10"),
            Map.entry("LATENTSERVE_MAX_MESSAGE_BYTES", "16MiB"),
            Map.entry("LATENTSERVE_MAX_ROWS_PER_REQUEST", "100"),
            Map.entry("LATENTSERVE_MAX_K", "50"),
            Map.entry("LATENTSERVE_RELOAD_INTERVAL", "PT1M"),
            Map.entry("LATENTSERVE_INTRA_OP_THREADS", "2"),
            Map.entry("LATENTSERVE_SHUTDOWN_GRACE", "3s"),
            Map.entry("LATENTSERVE_MAX_IMPORTANCE_STREAMS", "3"),
            Map.entry("LATENTSERVE_STREAM_STALL_TIMEOUT", "250ms"),
            Map.entry("LATENTSERVE_MAX_POOLED_BUFFER_BYTES", "8MiB"),
            Map.entry("LATENTSERVE_VERSION_POLICY", "latest 2"),
            Map.entry("LATENTSERVE_MEMORY_BUDGET", "4GiB"),
            Map.entry("LATENTSERVE_LOAD_WAIT", "30s"),
            Map.entry("LATENTSERVE_SHARED_THREADS", "false"),
            Map.entry("LATENTSERVE_CPU_ARENA", "true"),
            Map.entry("UNRELATED", "x"));

    InferenceConfig config = InferenceConfig.fromEnvironment(env);

    assertThat(config)
        .isEqualTo(
            new InferenceConfig(
                "127.0.0.2",
                7001,
                7002,
                Path.of("/srv/models"),
                "cuda:1",
                false,
                64,
                Duration.ofMillis(5),
                10,
                16 << 20,
                100,
                50,
                Duration.ofMinutes(1),
                2,
                Duration.ofSeconds(3),
                3,
                Duration.ofMillis(250),
                8 << 20,
                "latest 2",
                4L << 30,
                Duration.ofSeconds(30),
                false,
                true,
                ServerSecurity.NONE));
  }

  @Test
  void fromEnvironment_streamLimitsOutOfRange_nameTheSetting() {
    assertThatThrownBy(
            () ->
                InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_MAX_IMPORTANCE_STREAMS", "0")))
        .hasMessageContaining("maxImportanceStreams");
    assertThatThrownBy(
            () -> InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_STREAM_STALL_TIMEOUT", "0s")))
        .hasMessageContaining("streamStallTimeout must be > 0");
  }

  @Test
  void fromEnvironment_badVersionPolicyOrBudget_namesVariableAndValue() {
    assertThatThrownBy(
            () -> InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_VERSION_POLICY", "newest")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version policy must be `latest N`, `all` or `specific V1 V2 ...`")
        .hasMessageContaining("got \"newest\"");
    assertThatThrownBy(
            () -> InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_MEMORY_BUDGET", "4GB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LATENTSERVE_MEMORY_BUDGET=\"4GB\" is not valid")
        .hasMessageContaining("expected a byte size like 67108864, 64MiB or 4GiB");
  }

  @Test
  void fromEnvironment_unparsableValue_namesVariableAndValue() {
    assertThatThrownBy(() -> InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_PORT", "abc")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LATENTSERVE_PORT=\"abc\"");
    assertThatThrownBy(
            () -> InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_RELOAD_INTERVAL", "soon")))
        .hasMessageContaining("LATENTSERVE_RELOAD_INTERVAL");
  }

  @Test
  void fromEnvironment_invalidValue_namesSetting() {
    assertThatThrownBy(() -> InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_DEVICE", "tpu")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("device must be auto, cpu or cuda:N, got \"tpu\"");
  }

  @Test
  void fromEnvironment_host_bindsThatAddressOrName() {
    assertThat(InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_HOST", "::1")).host())
        .isEqualTo("::1");
    assertThat(
            InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_HOST", " inference-0.svc ")).host())
        .isEqualTo("inference-0.svc");
    assertThat(InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_HOST", " ")).host()).isEmpty();
  }

  @Test
  void fromEnvironment_badHost_namesTheSettingAndValue() {
    assertThatThrownBy(
            () -> InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_HOST", "inference:50051")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid configuration (flags or environment): host must be an IP address or a host name (empty"
                + " for every interface), got \"inference:50051\"");
    assertThatThrownBy(() -> InferenceConfig.builder().host("two words").build())
        .hasMessageContaining("host must be an IP address or a host name");
  }

  @Test
  void constructor_invalidValues_throwNamingTheSetting() {
    InferenceConfig.Builder b = InferenceConfig.builder();
    assertThatThrownBy(() -> b.port(70000).build()).hasMessageContaining("port must be in");
    assertThatThrownBy(() -> InferenceConfig.builder().maxK(0).build())
        .hasMessageContaining("maxK must be > 0, got 0");
    assertThatThrownBy(() -> InferenceConfig.builder().maxRowsPerRequest(-1).build())
        .hasMessageContaining("maxRowsPerRequest");
    assertThatThrownBy(() -> InferenceConfig.builder().reloadInterval(Duration.ZERO).build())
        .hasMessageContaining("reloadInterval must be > 0");
    assertThatThrownBy(
            () -> InferenceConfig.builder().shutdownGrace(Duration.ofSeconds(-1)).build())
        .hasMessageContaining("shutdownGrace must be >= 0");
    assertThatThrownBy(() -> InferenceConfig.builder().maxMessageBytes(10).build())
        .hasMessageContaining("maxMessageBytes");
    assertThatThrownBy(() -> InferenceConfig.builder().intraOpThreads(-2).build())
        .hasMessageContaining("intraOpThreads");
  }

  @Test
  void toBuilder_overridingOneField_keepsTheOthers() {
    InferenceConfig env = InferenceConfig.fromEnvironment(Map.of("LATENTSERVE_MAX_K", "77"));

    InferenceConfig flags = env.toBuilder().port(0).build();

    assertThat(flags.port()).isZero();
    assertThat(flags.maxK()).isEqualTo(77);
    assertThat(flags.toBuilder().build()).isEqualTo(flags);
  }
}
