package io.latentserve.evaluator.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.latentserve.evaluator.core.EvaluationReport;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON form of an {@link EvaluationReport}: every field of the record, durations in seconds
 * (nanosecond precision), instants as ISO-8601 text, NaN (a metric not computed) as the string
 * {@code "NaN"}.
 */
public final class ReportJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .enable(SerializationFeature.WRITE_DATE_TIMESTAMPS_AS_NANOSECONDS)
          .enable(DeserializationFeature.READ_DATE_TIMESTAMPS_AS_NANOSECONDS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private ReportJson() {}

  public static byte[] toJson(EvaluationReport report) {
    try {
      return MAPPER.writeValueAsBytes(report);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write report " + report.evaluationId(), e);
    }
  }

  /**
   * Parses a report written by {@link #toJson}.
   *
   * @throws IOException when the bytes are not such a report
   */
  public static EvaluationReport fromJson(byte[] json) throws IOException {
    return MAPPER.readValue(json, EvaluationReport.class);
  }
}
