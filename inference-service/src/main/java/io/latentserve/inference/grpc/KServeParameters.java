package io.latentserve.inference.grpc;

import inference.GrpcPredictV2.InferParameter;
import io.latentserve.inference.core.InvalidInputException;
import java.util.Map;
import java.util.Set;

/**
 * The request parameters of one ModelInfer call ({@code seed}, {@code k}, ...), typed. A name the
 * graph does not take, or a value of the wrong type, is INVALID_ARGUMENT: a misspelt {@code seed}
 * must not silently give seed 0.
 */
final class KServeParameters {
  private final String model;
  private final Map<String, InferParameter> values;

  private KServeParameters(String model, Map<String, InferParameter> values) {
    this.model = model;
    this.values = values;
  }

  /**
   * @param model the KServe model name, for messages
   * @param values the request's parameters
   * @param accepted the names the graph takes
   */
  static KServeParameters read(
      String model, Map<String, InferParameter> values, Set<String> accepted) {
    for (String name : values.keySet()) {
      if (!accepted.contains(name)) {
        throw new InvalidInputException(
            "parameters",
            "parameter '"
                + name
                + "' is not one model "
                + model
                + " takes, expected "
                + (accepted.isEmpty() ? "none" : "some of " + accepted.stream().sorted().toList()));
      }
    }
    return new KServeParameters(model, values);
  }

  /** An int64 parameter, or {@code fallback} when absent. */
  long int64(String name, long fallback) {
    InferParameter p = values.get(name);
    if (p == null) {
      return fallback;
    }
    if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.INT64_PARAM) {
      throw wrongType(name, "int64_param", p);
    }
    return p.getInt64Param();
  }

  /** An int64 parameter that must be given. */
  long requiredInt64(String name, String meaning) {
    if (!values.containsKey(name)) {
      throw new InvalidInputException(
          name, "parameter " + name + " is missing, expected an int64_param: " + meaning);
    }
    return int64(name, 0);
  }

  /** A bool parameter, or {@code fallback} when absent. */
  boolean bool(String name, boolean fallback) {
    InferParameter p = values.get(name);
    if (p == null) {
      return fallback;
    }
    if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
      throw wrongType(name, "bool_param", p);
    }
    return p.getBoolParam();
  }

  private InvalidInputException wrongType(String name, String expected, InferParameter p) {
    return new InvalidInputException(
        name,
        "parameter "
            + name
            + " of model "
            + model
            + " is a "
            + p.getParameterChoiceCase().name().toLowerCase(java.util.Locale.ROOT)
            + ", expected "
            + expected);
  }
}
