package io.latentserve.evaluator.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class InferenceTargetsTest {
  @Test
  void channelTarget_dnsUri_passesThrough() {
    assertThat(InferenceTargets.channelTarget("dns:///inference.default.svc:50051"))
        .isEqualTo("dns:///inference.default.svc:50051");
  }

  @Test
  void channelTarget_hostPortList_usesStaticScheme() {
    assertThat(InferenceTargets.channelTarget("127.0.0.1:5001, localhost:5002"))
        .isEqualTo("latentserve-static:///127.0.0.1:5001,localhost:5002");
  }

  @Test
  void parseList_ipv6AndNames_keepsOrder() {
    assertThat(InferenceTargets.parseList("[::1]:7,localhost:8"))
        .extracting(InetSocketAddress::getPort)
        .containsExactly(7, 8);
  }

  @Test
  void validate_missingPort_throwsNamingTarget() {
    assertThatThrownBy(() -> InferenceTargets.validate("inference"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'inference'");
  }

  @Test
  void validate_portOutOfRange_throws() {
    assertThatThrownBy(() -> InferenceTargets.validate("a:1,b:70000"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
