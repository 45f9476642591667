package io.latentserve.evaluator.client;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.OptionalLong;

/**
 * Which failed inference calls are worth another attempt, and of which kind.
 *
 * <ul>
 *   <li>{@link #REPLICA}: UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED by the replica, and a
 *       RESOURCE_EXHAUSTED that the replica marks as momentary with a {@code
 *       grpc-retry-pushback-ms} trailer (gRFC A6: a full batching queue, all ImportanceWeights
 *       slots busy). The next replica may well succeed; bounded by the attempt count.
 *   <li>{@link #VERSION}: NOT_FOUND and FAILED_PRECONDITION of a call pinned to a version: a
 *       replica loads a newly published version only at its next repository scan. Another replica,
 *       or the same one a little later, will have it; bounded by the version wait.
 *   <li>{@link #NONE}: everything else, in particular a RESOURCE_EXHAUSTED without pushback, which
 *       comes from a fixed limit (rows per request, k, message size) that every replica shares.
 * </ul>
 */
enum RetryKind {
  NONE,
  REPLICA,
  VERSION;

  /** The trailer of gRFC A6 by which a server asks for (>= 0) or against (< 0) a retry. */
  static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  static RetryKind of(Status.Code code, Metadata trailers, boolean pinnedVersion) {
    return switch (code) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> REPLICA;
      case RESOURCE_EXHAUSTED -> pushback(trailers).isPresent() ? REPLICA : NONE;
      case NOT_FOUND, FAILED_PRECONDITION -> pinnedVersion ? VERSION : NONE;
      default -> NONE;
    };
  }

  /** The server's pushback in milliseconds, when it sent a non-negative one. */
  static OptionalLong pushback(Metadata trailers) {
    if (trailers == null) {
      return OptionalLong.empty();
    }
    String value = trailers.get(PUSHBACK);
    if (value == null) {
      return OptionalLong.empty();
    }
    try {
      long millis = Long.parseLong(value.trim());
      return millis >= 0 ? OptionalLong.of(millis) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
