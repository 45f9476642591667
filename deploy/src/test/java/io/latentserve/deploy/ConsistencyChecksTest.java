package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ConsistencyChecksTest {
  static Stream<String> layouts() {
    return Stream.of("base", "cpu", "gpu");
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void check_shippedManifests_findsNoProblem(String layout) {
    Manifests m = layout.equals("base") ? Manifests.base() : Manifests.overlay(layout);

    assertThat(ConsistencyChecks.check(m, DeployFiles.projectVersion())).isEmpty();
  }
}
