package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class StrategicMergeTest {
  private static final String POD =
      """
      spec:
        nodeSelector:
          a: "1"
        tolerations:
          - key: x
            operator: Exists
        containers:
          - name: one
            image: i:1
            env:
              - name: A
                value: "1"
              - name: B
                value: "2"
            volumeMounts:
              - name: tmp
                mountPath: /tmp
          - name: two
            image: j:1
        volumes:
          - name: tmp
            emptyDir:
              sizeLimit: 1Gi
          - name: data
            emptyDir: {}
      """;

  @Test
  void merge_containerByName_keepsTheOtherContainersAndFields() {
    JsonNode merged =
        merge(
            """
            spec:
              containers:
                - name: one
                  image: i:2
            """);

    assertThat(merged.at("/spec/containers").size()).isEqualTo(2);
    assertThat(merged.at("/spec/containers/0/image").asText()).isEqualTo("i:2");
    assertThat(merged.at("/spec/containers/0/env").size()).isEqualTo(2);
    assertThat(merged.at("/spec/containers/1/image").asText()).isEqualTo("j:1");
  }

  @Test
  void merge_envByName_overridesOneAndAppendsNew() {
    JsonNode merged =
        merge(
            """
            spec:
              containers:
                - name: one
                  env:
                    - name: B
                      value: "3"
                    - name: C
                      value: "4"
            """);

    JsonNode env = merged.at("/spec/containers/0/env");
    assertThat(env.size()).isEqualTo(3);
    assertThat(env.get(0).path("value").asText()).isEqualTo("1");
    assertThat(env.get(1).path("value").asText()).isEqualTo("3");
    assertThat(env.get(2).path("name").asText()).isEqualTo("C");
  }

  @Test
  void merge_volumeByName_mergesItsFields() {
    JsonNode merged =
        merge(
            """
            spec:
              volumes:
                - name: tmp
                  emptyDir:
                    sizeLimit: 4Gi
            """);

    assertThat(merged.at("/spec/volumes").size()).isEqualTo(2);
    assertThat(merged.at("/spec/volumes/0/emptyDir/sizeLimit").asText()).isEqualTo("4Gi");
  }

  @Test
  void merge_listWithoutMergeKey_isReplaced() {
    JsonNode merged =
        merge(
            """
            spec:
              tolerations:
                - key: y
                  operator: Exists
            """);

    assertThat(merged.at("/spec/tolerations").size()).isEqualTo(1);
    assertThat(merged.at("/spec/tolerations/0/key").asText()).isEqualTo("y");
  }

  @Test
  void merge_mapAndNull_mergeKeysAndDelete() {
    JsonNode merged =
        merge(
            """
            spec:
              nodeSelector:
                b: "2"
              containers:
                - name: two
                  image: null
            """);

    assertThat(merged.at("/spec/nodeSelector/a").asText()).isEqualTo("1");
    assertThat(merged.at("/spec/nodeSelector/b").asText()).isEqualTo("2");
    assertThat(merged.at("/spec/containers/1").has("image")).isFalse();
  }

  @Test
  void merge_patchDirective_isRefused() {
    assertThatThrownBy(
            () ->
                merge(
                    """
                    spec:
                      $patch: replace
                    """))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("$patch");
  }

  @Test
  void merge_doesNotModifyItsArguments() {
    JsonNode target = yaml(POD);
    JsonNode before = target.deepCopy();

    StrategicMerge.merge(target, yaml("spec:\n  containers:\n    - name: one\n      image: z\n"));

    assertThat(target).isEqualTo(before);
  }

  private static JsonNode merge(String patch) {
    return StrategicMerge.merge(yaml(POD), yaml(patch));
  }

  private static JsonNode yaml(String text) {
    return DeployFiles.parseDocuments(text, "test").get(0);
  }
}
