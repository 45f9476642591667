package io.latentserve.server.security;

import io.grpc.ServerServiceDefinition;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The role each RPC needs, keyed by full method name ({@code package.Service/Method}): THE one
 * table of who may call what. A method that is missing here is denied to every token, and a server
 * whose services have a method missing here refuses to build ({@link #unmapped}), so that a new RPC
 * cannot go out open by accident: add its line below.
 *
 * <p>Health ({@code grpc.health.v1}) and server reflection are open to everyone, with or without a
 * token, so that probes and tools such as grpcurl work.
 */
public final class MethodRoles {
  private static final Set<String> OPEN_SERVICES =
      Set.of(
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection");

  /** latentserve's RPCs. */
  public static final MethodRoles LATENTSERVE =
      new MethodRoles(
          Map.ofEntries(
              // inference-service
              Map.entry("latentserve.v1.Inference/ListModels", Role.READ),
              Map.entry("latentserve.v1.Inference/GetModel", Role.READ),
              Map.entry("latentserve.v1.Inference/Encode", Role.READ),
              Map.entry("latentserve.v1.Inference/Decode", Role.READ),
              Map.entry("latentserve.v1.Inference/Sample", Role.READ),
              Map.entry("latentserve.v1.Inference/LogProb", Role.READ),
              Map.entry("latentserve.v1.Inference/ImportanceWeights", Role.READ),
              // loading and unloading change what a replica holds for everyone: an operator's act
              Map.entry("latentserve.v1.Inference/LoadModel", Role.TRAIN),
              Map.entry("latentserve.v1.Inference/UnloadModel", Role.TRAIN),
              // inference-service, the Open Inference Protocol v2 (KServe) over the same models
              Map.entry("inference.GRPCInferenceService/ServerLive", Role.READ),
              Map.entry("inference.GRPCInferenceService/ServerReady", Role.READ),
              Map.entry("inference.GRPCInferenceService/ModelReady", Role.READ),
              Map.entry("inference.GRPCInferenceService/ServerMetadata", Role.READ),
              Map.entry("inference.GRPCInferenceService/ModelMetadata", Role.READ),
              Map.entry("inference.GRPCInferenceService/ModelInfer", Role.READ),
              // trainer-service
              Map.entry("latentserve.v1.Trainer/SubmitJob", Role.TRAIN),
              Map.entry("latentserve.v1.Trainer/CancelJob", Role.TRAIN),
              Map.entry("latentserve.v1.Trainer/WatchJob", Role.READ),
              Map.entry("latentserve.v1.Trainer/GetJob", Role.READ),
              Map.entry("latentserve.v1.Trainer/ListJobs", Role.READ),
              Map.entry("latentserve.v1.Trainer/SubmitSweep", Role.TRAIN),
              Map.entry("latentserve.v1.Trainer/CancelSweep", Role.TRAIN),
              Map.entry("latentserve.v1.Trainer/WatchSweep", Role.READ),
              Map.entry("latentserve.v1.Trainer/GetSweep", Role.READ),
              Map.entry("latentserve.v1.Trainer/ListSweeps", Role.READ),
              // evaluator-service
              Map.entry("latentserve.v1.Evaluator/Evaluate", Role.EVALUATE),
              Map.entry("latentserve.v1.Evaluator/GetEvaluation", Role.READ),
              Map.entry("latentserve.v1.Evaluator/ListEvaluations", Role.READ)));

  private final Map<String, Role> roles;

  private MethodRoles(Map<String, Role> roles) {
    this.roles = Map.copyOf(roles);
  }

  /** A table of other methods, e.g. a test's own service. */
  public static MethodRoles of(Map<String, Role> roles) {
    return new MethodRoles(Objects.requireNonNull(roles, "roles"));
  }

  /** The role {@code fullMethodName} needs; empty if it has none (then it is denied). */
  public Optional<Role> required(String fullMethodName) {
    return Optional.ofNullable(roles.get(fullMethodName));
  }

  /** Whether {@code fullMethodName} is health or reflection, which need no token. */
  public static boolean isOpen(String fullMethodName) {
    int slash = fullMethodName.lastIndexOf('/');
    return slash > 0 && OPEN_SERVICES.contains(fullMethodName.substring(0, slash));
  }

  /**
   * The methods of {@code services} that are neither open nor in this table, in order.
   *
   * @return full method names; empty when every method has a role
   */
  public List<String> unmapped(Collection<ServerServiceDefinition> services) {
    return services.stream()
        .flatMap(s -> s.getMethods().stream())
        .map(m -> m.getMethodDescriptor().getFullMethodName())
        .filter(name -> !isOpen(name) && !roles.containsKey(name))
        .sorted()
        .toList();
  }
}
