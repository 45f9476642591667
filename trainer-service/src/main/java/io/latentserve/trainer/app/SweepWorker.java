package io.latentserve.trainer.app;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.BundleException;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.ModelRepository;
import io.latentserve.bundle.SweepOrigin;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.DatasetSpec;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.SweepGroup;
import io.latentserve.trainer.core.BundlePublisher;
import io.latentserve.trainer.core.DatasetSource;
import io.latentserve.trainer.core.FileJobStore;
import io.latentserve.trainer.core.InvalidSpecException;
import io.latentserve.trainer.core.Job;
import io.latentserve.trainer.core.JobManager;
import io.latentserve.trainer.core.JobManagerOptions;
import io.latentserve.trainer.core.JobState;
import io.latentserve.trainer.core.SweepAxes;
import io.latentserve.trainer.core.SweepConfig;
import io.latentserve.trainer.core.SweepPoint;
import io.latentserve.trainer.core.TrainerListener;
import io.latentserve.trainer.core.ValidationSplit;
import io.latentserve.trainer.grpc.JobSpecs;
import io.latentserve.trainer.onnx.OnnxModelExporter;
import io.latentserve.trainer.samediff.SameDiffBackend;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Trains one point of a sweep in this process, without the gRPC server, and publishes it: what each
 * completion of a sweep's Kubernetes Indexed Job runs ({@code latentserve train-worker}). The
 * point's job goes through a {@link JobManager} of its own (the same training loop, checkpoints and
 * publisher as the service), its job folder under {@code jobsDir}.
 *
 * <p>A point whose bundle is already in the repository (its provenance names the sweep and the
 * index: a pod that published and was then restarted) is not trained again.
 */
public final class SweepWorker {
  private SweepWorker() {}

  /**
   * The configuration of a sweep to run outside the trainer: the points of {@code groups} over
   * {@code base}, under a new sweep id.
   *
   * @throws InvalidSpecException naming the offending field
   */
  public static SweepConfig plan(
      JobSpec base, String modelName, List<SweepGroup> groups, int maxPoints) {
    DatasetSpec dataset =
        DatasetCatalog.find(base.getDataset())
            .orElseThrow(
                () ->
                    new InvalidSpecException(
                        "spec.dataset",
                        "spec.dataset \""
                            + base.getDataset()
                            + "\" is not in the catalogue; known: "
                            + String.join(", ", DatasetCatalog.names())));
    DatasetSource.Shape shape =
        new DatasetSource.Shape(
            dataset.rows() * dataset.cols(),
            ValidationSplit.trainingExamples(dataset.trainCount()),
            dataset.classes());
    List<SweepPoint> points =
        SweepAxes.expand(
            JobSpecs.trainingSpec(base.toBuilder().setModelName(modelName + "-0").build(), shape),
            modelName,
            JobSpecs.sweepGroups(groups),
            maxPoints);
    return new SweepConfig(UUID.randomUUID().toString(), modelName, points);
  }

  /**
   * Trains and publishes point {@code index} of the configuration.
   *
   * @return the process's exit code: 0 when the point's bundle is published (now or before), 1 when
   *     training failed, 2 for a bad configuration or index; the reason is printed on {@code err}
   */
  public static int run(
      Path config,
      int index,
      Path repository,
      Path dataDir,
      Path jobsDir,
      PrintWriter out,
      PrintWriter err)
      throws IOException, InterruptedException {
    StdoutFilter.install();
    SweepConfig sweep;
    try {
      sweep = SweepConfig.fromJson(Files.readString(config));
    } catch (IOException | IllegalArgumentException e) {
      err.println(
          "train-worker: cannot read the sweep configuration " + config + ": " + e.getMessage());
      return 2;
    }
    if (index < 0 || index >= sweep.points().size()) {
      err.printf(
          "train-worker: --index must be in [0, %d) for sweep %s, got %d%n",
          sweep.points().size(), sweep.sweepId(), index);
      return 2;
    }
    SweepPoint point = sweep.points().get(index);
    SweepOrigin origin = sweep.origin(index);
    ModelRepository models = new FileSystemModelRepository(repository);
    Optional<Bundle> earlier = published(models, point.spec().modelName(), origin);
    if (earlier.isPresent()) {
      out.printf(
          "point %d of sweep %s is already published as %s/%d%n",
          index, sweep.sweepId(), earlier.get().modelName(), earlier.get().version());
      return 0;
    }
    JobManager jobs =
        new JobManager(
            new FileJobStore(jobsDir),
            new CatalogDatasetSource(dataDir),
            new SameDiffBackend(),
            new BundlePublisher(models, new OnnxModelExporter()),
            JobManagerOptions.defaults(),
            TrainerListener.NONE,
            Clock.systemUTC());
    try {
      jobs.start();
      Job job;
      try {
        job = jobs.submit(point.spec(), "", origin);
      } catch (RuntimeException e) {
        err.printf("train-worker: point %d cannot be trained: %s%n", index, e.getMessage());
        return 2;
      }
      out.printf(
          "point %d of sweep %s %s: training %s (job %s)%n",
          index, sweep.sweepId(), point.values(), point.spec().modelName(), job.id());
      out.flush();
      CountDownLatch done = new CountDownLatch(1);
      AtomicReference<Job> last = new AtomicReference<>(job);
      int[] lastEpoch = {-1};
      jobs.watch(
          job.id(),
          event -> {
            last.set(event.job());
            if (event.job().epoch() != lastEpoch[0]) {
              lastEpoch[0] = event.job().epoch();
              out.printf(
                  "  epoch %d/%d, step %d/%d%n",
                  event.job().epoch(),
                  point.spec().epochs(),
                  event.job().step(),
                  event.job().totalSteps());
              out.flush();
            }
          },
          cause -> done.countDown());
      done.await();
      Job end = jobs.get(job.id());
      if (end.state() == JobState.SUCCEEDED) {
        out.printf(
            "point %d published as %s/%d%n",
            index, end.published().name(), end.published().version());
        return 0;
      }
      err.printf(
          "train-worker: point %d of sweep %s ended %s: %s%n",
          index,
          sweep.sweepId(),
          end.state().name().toLowerCase(java.util.Locale.ROOT),
          end.reason());
      return 1;
    } finally {
      jobs.shutdown(Duration.ofSeconds(30));
      out.flush();
      err.flush();
    }
  }

  private static Optional<Bundle> published(
      ModelRepository models, String model, SweepOrigin origin) {
    List<Long> versions = models.versions(model);
    for (int i = versions.size() - 1; i >= 0; i--) {
      try {
        Bundle b = models.open(model, versions.get(i));
        SweepOrigin s = b.manifest().provenance().sweep();
        if (s != null && s.sweepId().equals(origin.sweepId()) && s.index() == origin.index()) {
          return Optional.of(b);
        }
      } catch (BundleException e) {
        // an unreadable version is not this point's
      }
    }
    return Optional.empty();
  }
}
