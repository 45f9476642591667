package io.latentserve.cli;

import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.SweepGroup;
import io.latentserve.trainer.app.SweepWorker;
import io.latentserve.trainer.core.InvalidSpecException;
import io.latentserve.trainer.core.SweepConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A sweep as Kubernetes objects: a ConfigMap holding the sweep's points ({@link SweepConfig} JSON,
 * mounted at {@code /etc/sweep/sweep.json}) and an Indexed Job whose completion i runs {@code
 * latentserve train-worker --index i} in the trainer image against the shared model repository (the
 * {@code latentserve-data} volume of deploy/k8s, its {@code models} folder at {@code /models}).
 */
public final class KubernetesSweep {
  /** The image of deploy/k8s's trainer. */
  public static final String DEFAULT_IMAGE = "latentserve/latentserve:0.1.0-SNAPSHOT";

  /** The most points an emitted sweep may have (the trainer's default limit). */
  static final int MAX_POINTS = 256;

  private KubernetesSweep() {}

  /**
   * Writes {@code sweep-<name>.yaml} (ConfigMap and Job) and {@code sweep-<name>.json} (the points,
   * as the ConfigMap holds them) into {@code dir}.
   *
   * @return the files written
   * @throws CliException if the sweep is invalid (naming the field) or a flag is out of range
   */
  public static List<Path> write(
      Path dir, JobSpec base, String name, List<SweepGroup> groups, int parallelism, String image) {
    if (parallelism < 1) {
      throw new CliException("--parallelism must be >= 1, got " + parallelism);
    }
    SweepConfig config;
    try {
      config = SweepWorker.plan(base, name, groups, MAX_POINTS);
    } catch (InvalidSpecException e) {
      throw new CliException(e.getMessage());
    }
    String json = config.toJson();
    String yaml = manifest(config, json, parallelism, image);
    try {
      Files.createDirectories(dir);
      Path y = Files.writeString(dir.resolve("sweep-" + name + ".yaml"), yaml);
      Path j = Files.writeString(dir.resolve("sweep-" + name + ".json"), json);
      return List.of(y, j);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write into " + dir, e);
    }
  }

  /** The ConfigMap and the Indexed Job, one YAML stream. */
  static String manifest(SweepConfig config, String json, int parallelism, String image) {
    String name = "latentserve-sweep-" + config.modelName().toLowerCase(Locale.ROOT);
    int points = config.points().size();
    StringBuilder indented = new StringBuilder();
    json.lines().forEach(l -> indented.append("    ").append(l).append('\n'));
    return """
        # A latentserve sweep: %d points of %s (sweep %s), written by `latentserve sweep --emit kubernetes`.
        # Completion i trains point i in the trainer image and publishes %s-i into the shared model repository.
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: %s
          labels:
            app.kubernetes.io/name: latentserve-sweep
            app.kubernetes.io/instance: %s
            app.kubernetes.io/part-of: latentserve
        data:
          sweep.json: |
        %s---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: %s
          labels:
            app.kubernetes.io/name: latentserve-sweep
            app.kubernetes.io/instance: %s
            app.kubernetes.io/part-of: latentserve
        spec:
          completionMode: Indexed
          completions: %d
          parallelism: %d
          # a failed point is retried (a pod restarted after publishing does not publish twice)
          backoffLimit: %d
          template:
            metadata:
              labels:
                app.kubernetes.io/name: latentserve-sweep
                app.kubernetes.io/instance: %s
                app.kubernetes.io/part-of: latentserve
            spec:
              restartPolicy: Never
              automountServiceAccountToken: false
              securityContext:
                runAsNonRoot: true
                runAsUser: 65532
                runAsGroup: 65532
                fsGroup: 65532
                fsGroupChangePolicy: OnRootMismatch
                seccompProfile:
                  type: RuntimeDefault
              containers:
                - name: train-worker
                  image: %s
                  imagePullPolicy: IfNotPresent
                  args:
                    - train-worker
                    - --sweep-config
                    - /etc/sweep/sweep.json
                    - --index
                    - $(JOB_COMPLETION_INDEX)
                    - --repository
                    - /models
                    - --data-dir
                    - /var/lib/latentserve/data
                    - --jobs-dir
                    - /tmp/jobs
                  env:
                    - name: JOB_COMPLETION_INDEX
                      valueFrom:
                        fieldRef:
                          fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']
                  resources:
                    requests:
                      cpu: "2"
                      memory: 4Gi
                    limits:
                      cpu: "4"
                      memory: 8Gi
                  securityContext:
                    runAsNonRoot: true
                    readOnlyRootFilesystem: true
                    allowPrivilegeEscalation: false
                    capabilities:
                      drop:
                        - ALL
                    seccompProfile:
                      type: RuntimeDefault
                  volumeMounts:
                    - name: tmp
                      mountPath: /tmp
                    - name: sweep
                      mountPath: /etc/sweep
                      readOnly: true
                    - name: data
                      mountPath: /models
                      subPath: models
                    - name: data
                      mountPath: /var/lib/latentserve/data
                      subPath: data
                      readOnly: true
              volumes:
                - name: tmp
                  emptyDir:
                    sizeLimit: 4Gi
                - name: sweep
                  configMap:
                    name: %s
                - name: data
                  persistentVolumeClaim:
                    claimName: latentserve-data
        """
        .formatted(
            points,
            config.modelName(),
            config.sweepId(),
            config.modelName(),
            name,
            config.sweepId(),
            indented,
            name,
            config.sweepId(),
            points,
            Math.min(parallelism, points),
            Math.max(6, 2 * points),
            config.sweepId(),
            image,
            name);
  }
}
