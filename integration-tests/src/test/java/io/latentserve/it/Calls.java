package io.latentserve.it;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.proto.v1.Activation;
import io.latentserve.proto.v1.Architecture;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationProgress;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.Optimizer;
import io.latentserve.proto.v1.StochasticLayerSpec;
import io.latentserve.proto.v1.SubmitJobRequest;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.proto.v1.WatchJobRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Client calls the end-to-end tests make over the network: the same RPCs as {@code latentserve
 * train} and {@code latentserve eval}, each with a deadline.
 */
final class Calls {
  private Calls() {}

  /** A plain-text channel to a service process. */
  static ManagedChannel channel(ServiceProcess process) {
    return ManagedChannelBuilder.forTarget(process.target()).usePlaintext().build();
  }

  /**
   * A small job that trains in seconds on 2 cores: one stochastic layer 784-{hidden}-({latent}),
   * tanh, Bernoulli likelihood, the ELBO, Adam at 1e-3.
   */
  static JobSpec smallElboJob(
      String model, int latent, int hidden, int epochs, int batchSize, long seed, int validationK) {
    return JobSpec.newBuilder()
        .setModelName(model)
        .setDataset(RealData.MNIST)
        .setArchitecture(
            Architecture.newBuilder()
                .addLayers(StochasticLayerSpec.newBuilder().setLatentDim(latent).addHidden(hidden))
                .setActivation(Activation.ACTIVATION_TANH)
                .setLikelihood(Likelihood.LIKELIHOOD_BERNOULLI))
        .setObjective(Objective.newBuilder().setElbo(Objective.Elbo.getDefaultInstance()))
        .setOptimizer(Optimizer.newBuilder().setLearningRate(1e-3).setBatchSize(batchSize))
        .setEpochs(epochs)
        .setSeed(seed)
        .setValidationK(validationK)
        .build();
  }

  /** Submits a job and returns it as queued. */
  static Job submit(TrainerGrpc.TrainerBlockingStub trainer, JobSpec spec) {
    return trainer
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build())
        .getJob();
  }

  /**
   * Follows WatchJob until the stream ends (the job ended) or {@code stop} accepts an event;
   * returns the last event.
   */
  static JobEvent watch(
      TrainerGrpc.TrainerBlockingStub trainer,
      String jobId,
      Duration timeout,
      Predicate<JobEvent> stop) {
    Iterator<JobEvent> events =
        trainer
            .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .watchJob(WatchJobRequest.newBuilder().setJobId(jobId).build());
    JobEvent last = null;
    while (events.hasNext()) {
      last = events.next();
      if (stop.test(last)) {
        break;
      }
    }
    if (last == null) {
      throw new AssertionError("WatchJob of " + jobId + " ended without an event");
    }
    return last;
  }

  /** Runs an evaluation to its report, handing every progress event to {@code onProgress}. */
  static EvaluationReport evaluate(
      EvaluatorGrpc.EvaluatorBlockingStub evaluator,
      EvaluateRequest request,
      Duration timeout,
      Consumer<EvaluationProgress> onProgress) {
    Iterator<EvaluateEvent> events =
        evaluator.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).evaluate(request);
    while (events.hasNext()) {
      EvaluateEvent event = events.next();
      if (event.hasProgress()) {
        onProgress.accept(event.getProgress());
      } else if (event.hasReport()) {
        return event.getReport();
      }
    }
    throw new AssertionError("Evaluate ended without a report");
  }

  /** The text of a service's Prometheus endpoint. */
  static String scrape(int metricsPort) {
    return scrape("127.0.0.1", metricsPort);
  }

  /** The Prometheus text of the endpoint on {@code host}:{@code metricsPort}. */
  static String scrape(String host, int metricsPort) {
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://" + host + ":" + metricsPort + "/metrics"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError("GET /metrics answered " + response.statusCode());
      }
      return response.body();
    } catch (IOException e) {
      throw new AssertionError("GET /metrics on " + host + ":" + metricsPort + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * Calls of {@code method} a server has received and not yet finished, from the counters of
   * Micrometer's gRPC server interceptor (requests received minus calls completed).
   */
  static long inFlight(String scrape, String method) {
    String label = "method=\"" + method + "\"";
    double received = 0;
    double completed = 0;
    for (String line : scrape.split("\n")) {
      if (!line.contains(label)) {
        continue;
      }
      if (line.startsWith("grpc_server_requests_received_messages_total{")) {
        received += value(line);
      } else if (line.startsWith("grpc_server_processing_duration_seconds_count{")) {
        completed += value(line);
      }
    }
    return Math.round(received - completed);
  }

  private static double value(String line) {
    String[] parts = line.trim().split(" ");
    return Double.parseDouble(parts[parts.length - 1]);
  }

  /**
   * The sum of every sample of a counter in Prometheus text format, e.g. {@code
   * latentserve_inference_retries_total}; 0 when it has none.
   */
  static double counterSum(String scrape, String name) {
    double sum = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += value(line);
      }
    }
    return sum;
  }

  /**
   * The sum of the samples of a counter that carry {@code label}, e.g. {@code
   * method="ImportanceWeights"}; 0 when it has none.
   */
  static double counterSum(String scrape, String name, String label) {
    double sum = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") && line.substring(0, line.indexOf('}') + 1).contains(label)) {
        sum += value(line);
      }
    }
    return sum;
  }
}
