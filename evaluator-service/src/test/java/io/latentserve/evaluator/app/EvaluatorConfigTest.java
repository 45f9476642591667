package io.latentserve.evaluator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluatorConfigTest {
  @Test
  void fromEnvironment_empty_isTheDefaults() {
    assertThat(EvaluatorConfig.fromEnvironment(Map.of())).isEqualTo(EvaluatorConfig.defaults());
    assertThat(EvaluatorConfig.defaults().port()).isEqualTo(EvaluatorConfig.DEFAULT_PORT);
    assertThat(EvaluatorConfig.defaults().host()).as("every interface").isEmpty();
  }

  @Test
  void fromEnvironment_variables_overrideDefaults() {
    EvaluatorConfig config =
        EvaluatorConfig.fromEnvironment(
            Map.of(
                "LATENTSERVE_HOST", "evaluator.local",
                "LATENTSERVE_INFERENCE_TARGET", "dns:///inference:50051",
                "LATENTSERVE_CALL_DEADLINE", "90s",
                "LATENTSERVE_REPORTS_DIR", "/var/reports",
                "LATENTSERVE_MAX_K", "100",
                "LATENTSERVE_MAX_EVALUATIONS", "3"));

    assertThat(config.host()).isEqualTo("evaluator.local");
    assertThat(config.inferenceTarget()).isEqualTo("dns:///inference:50051");
    assertThat(config.callDeadline()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.reportsDir()).isEqualTo(Path.of("/var/reports"));
    assertThat(config.evaluatorOptions().maxK()).isEqualTo(100);
    assertThat(config.maxConcurrentEvaluations()).isEqualTo(3);
    assertThat(config.inferenceClient().callDeadline()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void fromEnvironment_badTarget_namesTheSetting() {
    assertThatThrownBy(
            () -> EvaluatorConfig.fromEnvironment(Map.of("LATENTSERVE_INFERENCE_TARGET", "nohost")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inference target")
        .hasMessageContaining("nohost");
  }

  @Test
  void fromEnvironment_badHost_namesTheSetting() {
    assertThatThrownBy(
            () -> EvaluatorConfig.fromEnvironment(Map.of("LATENTSERVE_HOST", "localhost:50053")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host must be an IP address or a host name")
        .hasMessageContaining("\"localhost:50053\"");
  }

  @Test
  void fromEnvironment_unparsableDuration_namesTheVariable() {
    assertThatThrownBy(
            () -> EvaluatorConfig.fromEnvironment(Map.of("LATENTSERVE_CALL_DEADLINE", "soon")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LATENTSERVE_CALL_DEADLINE=\"soon\"");
  }

  @Test
  void build_zeroParallelCalls_throws() {
    assertThatThrownBy(() -> EvaluatorConfig.builder().parallelCalls(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parallelCalls");
  }
}
