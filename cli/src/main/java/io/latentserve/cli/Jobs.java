package io.latentserve.cli;

import com.google.protobuf.ProtocolMessageEnum;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobState;
import java.util.Locale;

/** How the CLI names training jobs' states and other API enums to a user. */
final class Jobs {
  private Jobs() {}

  /** Whether a job has reached a state it never leaves. */
  static boolean ended(Job job) {
    JobState s = job.getState();
    return s == JobState.JOB_STATE_SUCCEEDED
        || s == JobState.JOB_STATE_FAILED
        || s == JobState.JOB_STATE_CANCELLED;
  }

  /** {@code CANCELLED} for {@code JOB_STATE_CANCELLED}. */
  static String state(Job job) {
    return name(job.getState());
  }

  /**
   * An API enum value without its type's prefix, as the CLI prints every enum: {@code BERNOULLI}
   * for {@code LIKELIHOOD_BERNOULLI}, {@code CANCELLED} for {@code JOB_STATE_CANCELLED}.
   */
  static String name(ProtocolMessageEnum value) {
    String prefix =
        value
                .getDescriptorForType()
                .getName()
                .replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                .toUpperCase(Locale.ROOT)
            + "_";
    String name = ((Enum<?>) value).name();
    return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
  }
}
