package io.latentserve.trainer.grpc;

import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.SweepGroup;
import io.latentserve.trainer.core.DatasetSource;
import io.latentserve.trainer.core.TrainingSpec;
import java.util.List;

/**
 * The API's job specs and sweep groups as the core's, for callers that train without the gRPC
 * server (the sweep worker, a sweep emitted for Kubernetes), validated as SubmitJob and SubmitSweep
 * validate them.
 */
public final class JobSpecs {
  private JobSpecs() {}

  /**
   * @param data the shape of the spec's data set
   * @throws io.latentserve.trainer.core.InvalidSpecException naming the first invalid field
   */
  public static TrainingSpec trainingSpec(JobSpec spec, DatasetSource.Shape data) {
    return ProtoMapping.trainingSpec(spec, data);
  }

  public static List<io.latentserve.trainer.core.SweepGroup> sweepGroups(List<SweepGroup> groups) {
    return SweepMapping.groups(groups);
  }
}
