package io.latentserve.evaluator.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.model.InferenceStructure;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.Prior;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;

/**
 * The JSON form of an {@link EvaluationReport}: every field of the record, durations in seconds
 * (nanosecond precision), instants as ISO-8601 text, NaN (a metric not computed) as the string
 * {@code "NaN"}, latent families and priors by name ({@code "bernoulli"}, {@code "learned"}).
 */
public final class ReportJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .addModule(
              new SimpleModule("latent-families")
                  .addSerializer(new Named<>(LatentFamily.class, LatentFamily::name))
                  .addDeserializer(LatentFamily.class, new ByName<>(LatentFamily::byName))
                  .addSerializer(new Named<>(Prior.class, Prior::name))
                  .addDeserializer(Prior.class, new ByName<>(Prior::byName))
                  .addSerializer(new Named<>(InferenceStructure.class, InferenceStructure::name))
                  .addDeserializer(
                      InferenceStructure.class, new ByName<>(InferenceStructure::byName)))
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

  /** A value read back from its name. */
  private static final class ByName<T> extends StdScalarDeserializer<T> {
    private static final long serialVersionUID = 1L;
    private final transient Function<String, T> byName;

    ByName(Function<String, T> byName) {
      super(Object.class);
      this.byName = byName;
    }

    @Override
    public T deserialize(JsonParser p, DeserializationContext context) throws IOException {
      String name = p.getValueAsString();
      try {
        return byName.apply(name);
      } catch (IllegalArgumentException e) {
        throw context.weirdStringException(name, handledType(), e.getMessage());
      }
    }
  }

  /** A value written as its name. */
  private static final class Named<T> extends StdScalarSerializer<T> {
    private static final long serialVersionUID = 1L;
    private final transient Function<T, String> name;

    Named(Class<T> type, Function<T, String> name) {
      super(type);
      this.name = name;
    }

    @Override
    public void serialize(T value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeString(name.apply(value));
    }
  }
}
