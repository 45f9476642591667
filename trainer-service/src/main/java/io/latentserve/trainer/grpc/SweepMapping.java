package io.latentserve.trainer.grpc;

import com.google.protobuf.Timestamp;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.Sweep;
import io.latentserve.proto.v1.SweepAxis;
import io.latentserve.proto.v1.SweepGroup;
import io.latentserve.proto.v1.SweepMode;
import io.latentserve.proto.v1.SweepPoint;
import io.latentserve.trainer.core.Job;
import io.latentserve.trainer.core.SweepView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Maps sweeps between the proto API and the core. */
final class SweepMapping {
  private SweepMapping() {}

  static List<io.latentserve.trainer.core.SweepGroup> groups(List<SweepGroup> groups) {
    List<io.latentserve.trainer.core.SweepGroup> out = new ArrayList<>();
    for (SweepGroup g : groups) {
      List<io.latentserve.trainer.core.SweepGroup.Axis> axes = new ArrayList<>();
      for (SweepAxis a : g.getAxesList()) {
        axes.add(new io.latentserve.trainer.core.SweepGroup.Axis(a.getField(), a.getValuesList()));
      }
      out.add(new io.latentserve.trainer.core.SweepGroup(axes, mode(g.getMode())));
    }
    return out;
  }

  private static io.latentserve.trainer.core.SweepGroup.Mode mode(SweepMode mode) {
    return mode == SweepMode.SWEEP_MODE_ZIP
        ? io.latentserve.trainer.core.SweepGroup.Mode.ZIP
        : io.latentserve.trainer.core.SweepGroup.Mode.GRID;
  }

  static Sweep sweep(SweepView view) {
    io.latentserve.trainer.core.Sweep s = view.sweep();
    Sweep.Builder b =
        Sweep.newBuilder()
            .setSweepId(s.id())
            .setModelName(s.modelName())
            .setBase(ProtoMapping.jobSpec(s.base()))
            .setState(ProtoMapping.state(view.state()))
            .setReason(view.reason())
            .setCreated(timestamp(s.created()))
            .setUpdated(timestamp(s.updated()))
            .setSucceeded(view.succeeded())
            .setEnded(view.ended())
            .setStep(view.step())
            .setTotalSteps(view.totalSteps());
    for (io.latentserve.trainer.core.SweepGroup g : s.groups()) {
      SweepGroup.Builder group =
          SweepGroup.newBuilder()
              .setMode(
                  g.mode() == io.latentserve.trainer.core.SweepGroup.Mode.ZIP
                      ? SweepMode.SWEEP_MODE_ZIP
                      : SweepMode.SWEEP_MODE_GRID);
      for (io.latentserve.trainer.core.SweepGroup.Axis a : g.axes()) {
        group.addAxes(SweepAxis.newBuilder().setField(a.field()).addAllValues(a.values()));
      }
      b.addGroups(group);
    }
    for (io.latentserve.trainer.core.SweepPoint p : s.points()) {
      SweepPoint.Builder point =
          SweepPoint.newBuilder()
              .setIndex(p.index())
              .putAllValues(p.values())
              .setSpec(ProtoMapping.jobSpec(p.spec()));
      Job job = view.jobs().get(p.index());
      JobState state = ProtoMapping.state(view.states().get(p.index()));
      if (job != null) {
        point.setJob(ProtoMapping.job(job));
      }
      b.addPoints(point.setState(state));
    }
    return b.build();
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
