package io.latentserve.trainer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.trainer.core.ResourceLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerConfigTest {
  @Test
  void fromEnvironment_empty_defaults() {
    TrainerConfig config = TrainerConfig.fromEnvironment(Map.of());
    assertThat(config.host()).as("every interface").isEmpty();
    assertThat(config.port()).isEqualTo(50052);
    assertThat(config.metricsPort()).isEqualTo(9465);
    assertThat(config.modelRepository()).isEqualTo(Path.of("models"));
    assertThat(config.jobsDir())
        .isEqualTo(Path.of("models").toAbsolutePath().getParent().resolve("trainer-jobs"));
    assertThat(config.maxConcurrentJobs()).isEqualTo(1);
    assertThat(config.maxQueuedJobs()).isEqualTo(16);
    assertThat(config.checkpointInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void fromEnvironment_variables_overrideDefaults() {
    TrainerConfig config =
        TrainerConfig.fromEnvironment(
            Map.of(
                "LATENTSERVE_HOST", "127.0.0.2",
                "LATENTSERVE_PORT", "6000",
                "LATENTSERVE_MODEL_REPOSITORY", "/var/lib/latentserve/models",
                "LATENTSERVE_MAX_CONCURRENT_JOBS", "2",
                "LATENTSERVE_CHECKPOINT_INTERVAL", "30s"));
    assertThat(config.host()).isEqualTo("127.0.0.2");
    assertThat(config.port()).isEqualTo(6000);
    assertThat(config.jobsDir()).isEqualTo(Path.of("/var/lib/latentserve/trainer-jobs"));
    assertThat(config.maxConcurrentJobs()).isEqualTo(2);
    assertThat(config.checkpointInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.jobOptions().concurrency()).isEqualTo(2);

    TrainerConfig explicit =
        TrainerConfig.fromEnvironment(Map.of("LATENTSERVE_JOBS_DIR", "/tmp/jobs"));
    assertThat(explicit.jobsDir()).isEqualTo(Path.of("/tmp/jobs"));
  }

  @Test
  void fromEnvironment_invalidValue_namesTheSetting() {
    assertThatThrownBy(
            () -> TrainerConfig.fromEnvironment(Map.of("LATENTSERVE_MAX_CONCURRENT_JOBS", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid configuration (flags or environment): maxConcurrentJobs must be > 0, got 0");
    assertThatThrownBy(
            () -> TrainerConfig.fromEnvironment(Map.of("LATENTSERVE_PROGRESS_INTERVAL", "soon")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LATENTSERVE_PROGRESS_INTERVAL");
    assertThatThrownBy(() -> TrainerConfig.fromEnvironment(Map.of("LATENTSERVE_HOST", "a b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host must be an IP address or a host name")
        .hasMessageContaining("\"a b\"");
  }

  @Test
  void fromEnvironment_resourceLimits_defaultsAndOverrides() {
    TrainerConfig defaults = TrainerConfig.fromEnvironment(Map.of());
    assertThat(defaults.limits())
        .isEqualTo(new ResourceLimits(4096, 65_536, 8, 16, 50_000_000L, 4L << 30));

    TrainerConfig config =
        TrainerConfig.fromEnvironment(
            Map.of(
                "LATENTSERVE_MAX_LATENT_DIM", "100",
                "LATENTSERVE_MAX_HIDDEN_WIDTH", "1000",
                "LATENTSERVE_MAX_LAYERS", "3",
                "LATENTSERVE_MAX_HIDDEN_LAYERS", "4",
                "LATENTSERVE_MAX_PARAMETERS", "6000000000",
                "LATENTSERVE_MAX_STEP_MEMORY", "12GiB"));
    assertThat(config.jobOptions().limits())
        .isEqualTo(new ResourceLimits(100, 1000, 3, 4, 6_000_000_000L, 12L << 30));
  }

  @Test
  void fromEnvironment_invalidResourceLimit_namesTheSetting() {
    assertThatThrownBy(
            () -> TrainerConfig.fromEnvironment(Map.of("LATENTSERVE_MAX_PARAMETERS", "0")))
        .hasMessage(
            "invalid configuration (flags or environment): maxParameters must be > 0, got 0");
    assertThatThrownBy(
            () -> TrainerConfig.fromEnvironment(Map.of("LATENTSERVE_MAX_STEP_MEMORY", "4XB")))
        .hasMessage(
            "LATENTSERVE_MAX_STEP_MEMORY=\"4XB\" is not valid: expected a byte size like"
                + " 67108864, 64MiB or 4GiB");
    assertThatThrownBy(
            () -> TrainerConfig.fromEnvironment(Map.of("LATENTSERVE_MAX_HIDDEN_WIDTH", "-1")))
        .hasMessageContaining("maxHiddenWidth must be > 0, got -1");
  }
}
