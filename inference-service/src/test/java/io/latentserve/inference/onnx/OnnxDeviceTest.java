package io.latentserve.inference.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxDeviceTest {
  private static final OnnxDevice CPU = OnnxDevice.parse("cpu");
  private static final OnnxDevice CUDA_0 = OnnxDevice.parse("cuda:0");

  @Test
  void parse_knownForms_roundTrip() {
    assertThat(OnnxDevice.parse("auto").kind()).isEqualTo(OnnxDevice.Kind.AUTO);
    assertThat(OnnxDevice.parse(" CPU ").toString()).isEqualTo("cpu");
    OnnxDevice cuda = OnnxDevice.parse("cuda:3");
    assertThat(cuda.kind()).isEqualTo(OnnxDevice.Kind.CUDA);
    assertThat(cuda.cudaIndex()).isEqualTo(3);
    assertThat(cuda.toString()).isEqualTo("cuda:3");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "gpu", "cuda", "cuda:", "cuda:-1", "cuda:x", "cpu:0"})
  void parse_unknownForm_throwsNamingTheChoices(String text) {
    assertThatThrownBy(() -> OnnxDevice.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("auto, cpu or cuda:N");
  }

  @Test
  void gpuVisible_deviceFile_true() {
    assertThat(OnnxDevice.gpuVisible(Map.of(), p -> p.equals(Path.of("/dev/nvidia0")))).isTrue();
  }

  @Test
  void gpuVisible_nvidiaVisibleDevices_trueUnlessVoidOrNone() {
    assertThat(OnnxDevice.gpuVisible(Map.of("NVIDIA_VISIBLE_DEVICES", "all"), p -> false)).isTrue();
    assertThat(OnnxDevice.gpuVisible(Map.of("NVIDIA_VISIBLE_DEVICES", "0,1"), p -> false)).isTrue();
    assertThat(OnnxDevice.gpuVisible(Map.of("NVIDIA_VISIBLE_DEVICES", "void"), p -> false))
        .isFalse();
    assertThat(OnnxDevice.gpuVisible(Map.of("NVIDIA_VISIBLE_DEVICES", "NONE"), p -> false))
        .isFalse();
    assertThat(OnnxDevice.gpuVisible(Map.of("NVIDIA_VISIBLE_DEVICES", ""), p -> false)).isFalse();
  }

  @Test
  void gpuVisible_nothing_false() {
    assertThat(OnnxDevice.gpuVisible(Map.of("PATH", "/usr/bin"), p -> false)).isFalse();
  }

  @Test
  void attempts_autoWithoutGpu_cpuOnly() {
    assertThat(DeviceChoice.attempts(OnnxDevice.parse("auto"), false)).containsExactly(CPU);
  }

  @Test
  void attempts_autoWithGpu_cudaThenCpu() {
    assertThat(DeviceChoice.attempts(OnnxDevice.parse("auto"), true)).containsExactly(CUDA_0, CPU);
  }

  @Test
  void attempts_explicitCuda_noFallback() {
    assertThat(DeviceChoice.attempts(OnnxDevice.parse("cuda:1"), false))
        .containsExactly(OnnxDevice.parse("cuda:1"));
    assertThat(DeviceChoice.attempts(CPU, true)).containsExactly(CPU);
  }

  @Test
  void config_threadsBelowOne_throws() {
    assertThatThrownBy(() -> new OnnxConfig(CPU, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("intraOpThreads must be >= 1, got 0");
    assertThat(OnnxConfig.defaults().intraOpThreads())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
  }
}
