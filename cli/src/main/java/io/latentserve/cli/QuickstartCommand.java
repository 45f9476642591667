package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.datasets.Binarizer;
import io.latentserve.datasets.Dataset;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.Split;
import io.latentserve.evaluator.core.Estimate;
import io.latentserve.evaluator.core.ImportanceWeightedEstimator;
import io.latentserve.evaluator.core.ImportanceWeights;
import io.latentserve.inference.grpc.TensorCodec;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.SampleRequest;
import io.latentserve.proto.v1.SampleResponse;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code latentserve quickstart}: the whole path on one machine, from nothing to numbers. Fetches a
 * real dataset, publishes a demo bundle into a filesystem model repository, starts
 * inference-service as a local process, calls every RPC on real test images, prints what came back,
 * and stops the service (also on Ctrl-C).
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description =
        "Run latentserve end to end on this machine: data, bundle, inference-service, calls.")
final class QuickstartCommand implements Callable<Integer> {
  private static final String MODEL = "quickstart-demo";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--workdir",
      defaultValue = "quickstart",
      description = "Folder for the model repository and service logs (default: ${DEFAULT-VALUE}).")
  Path workdir;

  @Option(
      names = "--data-dir",
      description = "Dataset folder (env LATENTSERVE_DATA_DIR; default ./data).")
  String dataDir;

  @Option(
      names = "--dataset",
      defaultValue = "mnist-10k",
      description = "Catalogue dataset to use (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(
      names = "--examples",
      defaultValue = "100",
      description = "Test images to score (default: ${DEFAULT-VALUE}).")
  int examples;

  @Option(
      names = "--k",
      defaultValue = "1000",
      description = "Importance samples per image (default: ${DEFAULT-VALUE}).")
  int k;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path data = DatasetCatalog.resolveDataDir(dataDir, System.getenv());
    Files.createDirectories(workdir);
    Path repository = workdir.resolve("models");
    Path logs = Files.createDirectories(workdir.resolve("logs"));

    step(out, 1, "dataset " + dataset);
    DataCommand.ensureDataset(dataset, data, out);
    Dataset test = new DatasetCatalog(data).load(dataset, Split.TEST, examples);
    FloatTensor x = new Binarizer(1).binarize(test, 0, test.size());
    out.printf(
        "      %d test images of %d pixels, dynamically binarized (seed 1)%n",
        test.size(), test.dimension());

    step(out, 2, "model bundle");
    Bundle bundle = DemoBundle.IWAE1.publish(new FileSystemModelRepository(repository), MODEL, 1);
    out.printf(
        "      published %s/%d (IWAE 1-layer 784-200-200-50, seeded random weights) in %s%n",
        bundle.modelName(), bundle.version(), bundle.directory());

    step(out, 3, "inference-service");
    Path log = logs.resolve("inference.log");
    try (ServiceProcess inference =
        ServiceProcess.start(
            "inference",
            ServiceProcess.freePort(),
            List.of(
                "--model-repository", repository.toString(),
                "--metrics-port", Integer.toString(ServiceProcess.freePort())),
            log)) {
      Thread stopOnCtrlC = new Thread(inference::close, "quickstart-stop");
      Runtime.getRuntime().addShutdownHook(stopOnCtrlC);
      long started = System.nanoTime();
      inference.awaitServing(Duration.ofMinutes(3), elapsed -> {});
      out.printf(
          "      pid %d serving on %s after %.1f s (log: %s)%n",
          inference.pid(), inference.target(), (System.nanoTime() - started) / 1e9, log);
      out.flush();

      step(out, 4, "calls");
      callEveryRpc(out, inference.target(), x);

      step(out, 5, "stop");
      int exit = inference.stop(Duration.ofSeconds(30));
      Runtime.getRuntime().removeShutdownHook(stopOnCtrlC);
      out.printf("      inference-service stopped (exit code %d)%n", exit);
    }
    return 0;
  }

  private void callEveryRpc(PrintWriter out, String target, FloatTensor x) {
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(target)
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    try {
      InferenceGrpc.InferenceBlockingStub stub = InferenceGrpc.newBlockingStub(channel);
      ModelRef model = ModelRef.newBuilder().setName(MODEL).build();

      for (ModelInfo m :
          deadline(stub).listModels(ListModelsRequest.getDefaultInstance()).getModelsList()) {
        out.printf("      ListModels   %s/%d on %s%n", m.getName(), m.getVersion(), m.getDevice());
      }

      EncodeResponse encoded =
          deadline(stub)
              .encode(
                  EncodeRequest.newBuilder()
                      .setModel(model)
                      .setX(TensorCodec.encode(x))
                      .setSample(true)
                      .setSeed(7)
                      .build());
      FloatTensor mean = TensorCodec.decode("mean", encoded.getLayers(0).getMean());
      FloatTensor z = TensorCodec.decode("sample", encoded.getLayers(0).getSample());
      out.printf(
          "      Encode       %d images -> z1 mean %s, sample %s%n",
          x.dim(0), shape(mean), shape(z));

      SampleResponse sampled =
          deadline(stub)
              .sample(SampleRequest.newBuilder().setModel(model).setN(4).setSeed(7).build());
      FloatTensor xMean = TensorCodec.decode("x_mean", sampled.getXMean());
      out.printf(
          "      Sample       4 draws from the prior -> x mean %s, mean pixel %.3f%n",
          shape(xMean), average(xMean));

      LogProbResponse logProb =
          deadline(stub)
              .logProb(
                  LogProbRequest.newBuilder()
                      .setModel(model)
                      .setX(TensorCodec.encode(x))
                      .addZ(TensorCodec.encode(z))
                      .build());
      double elbo =
          average(TensorCodec.decode("log_px_given_z", logProb.getLogPxGivenZ()))
              + average(TensorCodec.decode("log_pz", logProb.getLogPz()))
              - average(TensorCodec.decode("log_qz_given_x", logProb.getLogQzGivenX()));
      out.printf(Locale.ROOT, "      LogProb      single-sample ELBO %.2f nats per image%n", elbo);

      long start = System.nanoTime();
      ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator((int) x.dim(0), k);
      float[] all = new float[(int) x.dim(0) * k];
      int chunks = 0;
      Iterator<ImportanceWeightsChunk> stream =
          stub.withDeadlineAfter(10, TimeUnit.MINUTES)
              .importanceWeights(
                  ImportanceWeightsRequest.newBuilder()
                      .setModel(model)
                      .setX(TensorCodec.encode(x))
                      .setK(k)
                      .setSeed(7)
                      .build());
      while (stream.hasNext()) {
        ImportanceWeightsChunk chunk = stream.next();
        FloatTensor logW = TensorCodec.decode("log_weights", chunk.getLogWeights());
        int count = (int) logW.dim(1);
        for (int row = 0; row < x.dim(0); row++) {
          System.arraycopy(logW.data(), row * count, all, row * k + chunk.getSampleOffset(), count);
        }
        chunks++;
      }
      estimator.add(
          0,
          new ImportanceWeights(
              FloatTensor.of(all, x.dim(0), k),
              Optional.empty(),
              Optional.empty(),
              Optional.empty()));
      Estimate iwll = estimator.logLikelihood();
      out.printf(
          Locale.ROOT,
          "      ImportanceWeights k=%d in %d chunks, %.1f s: log p(x) >= %.2f +- %.2f nats per image, mean ESS %.2f%n",
          k,
          chunks,
          (System.nanoTime() - start) / 1e9,
          iwll.value(),
          iwll.standardError(),
          estimator.meanEffectiveSampleSize());
      out.println("      (random weights: these numbers are what an untrained model scores)");
    } finally {
      channel.shutdownNow();
    }
  }

  private static InferenceGrpc.InferenceBlockingStub deadline(
      InferenceGrpc.InferenceBlockingStub stub) {
    return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static void step(PrintWriter out, int step, String what) {
    out.printf("[%d/5] %s%n", step, what);
    out.flush();
  }

  private static String shape(FloatTensor t) {
    return java.util.Arrays.toString(t.shape());
  }

  private static double average(FloatTensor t) {
    double sum = 0;
    for (float v : t.data()) {
      sum += v;
    }
    return sum / t.size();
  }
}
