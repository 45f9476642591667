package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.onnx.ExportedGraphs;
import io.latentserve.bundle.onnx.VaeOnnxExporter;
import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.trainer.core.LatentNoise;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae.Batch;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Train a few steps, export with the shared ONNX writer, and run the bundle graphs in ONNX Runtime
 * (CPU): encoder outputs and log importance weights must match the trainer's own forward pass for
 * the same noise.
 */
class OnnxParityTest {
  private static final int ROWS = 6;
  private static final int K = 5;
  private static final double RELATIVE = 1e-4;

  private static final Objective IWAE = new Objective.Iwae(K);

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(TinyModels.twoLayer(LikelihoodFamily.BERNOULLI, Activation.TANH), IWAE),
        Arguments.of(TinyModels.oneLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.RELU), IWAE),
        // the variance floor binds (see ReferenceParityTest): trained, exported, run in ORT
        Arguments.of(
            TinyModels.floored(
                TinyModels.twoLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.TANH)),
            IWAE),
        Arguments.of(TinyModels.linear(), IWAE),
        Arguments.of(
            TinyModels.twoLayer(LikelihoodFamily.BERNOULLI, Activation.TANH).withConditionDim(3),
            IWAE),
        Arguments.of(
            TinyModels.oneLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.RELU)
                .withConditionDim(2),
            IWAE),
        Arguments.of(
            new VaeArchitecture(
                784,
                List.of(new StochasticLayer("z1", 50, List.of(200, 200))),
                Activation.TANH,
                LikelihoodFamily.BERNOULLI,
                0),
            IWAE),
        // HIT's top-down structure, trained with its own objective and with IWAE
        Arguments.of(
            TinyModels.topDown(LikelihoodFamily.GAUSSIAN_FIXED, Activation.TANH),
            new Objective.Hit(0.5, 2, 1)),
        Arguments.of(
            TinyModels.topDown(LikelihoodFamily.BERNOULLI, Activation.RELU).withConditionDim(3),
            IWAE),
        // sigmoid belief nets (Bernoulli layers, learned prior) trained with VIMCO and RWS
        Arguments.of(VaeArchitecture.sigmoidBeliefNet(TinyModels.D, 4), new Objective.Vimco(K)),
        Arguments.of(
            VaeArchitecture.sigmoidBeliefNet(TinyModels.D, 4, 3),
            new Objective.Rws(K, Objective.RwsPhi.WAKE)));
  }

  @ParameterizedTest
  @MethodSource("models")
  void exportedGraphs_afterTraining_matchSameDiffWithin1e4Relative(
      VaeArchitecture architecture, Objective objective) throws OrtException {
    try (SameDiffVae model =
        SameDiffVae.create(TinyModels.weights(architecture, 1), objective, 1e-2)) {
      for (int step = 0; step < 5; step++) {
        float[] x = TinyModels.data(architecture, ROWS, 100 + step);
        model.step(
            new Batch(
                x,
                ROWS,
                LatentNoise.latent(architecture, 3, step * ROWS, ROWS, objective.samples()),
                null,
                TinyModels.conditions(architecture, ROWS, 200 + step),
                LatentNoise.dreams(architecture, 3, step * ROWS, ROWS)));
      }
      ExportedGraphs graphs = VaeOnnxExporter.export(model.weights());
      float[] x = TinyModels.data(architecture, ROWS, 7);
      float[] y = TinyModels.conditions(architecture, ROWS, 8);
      OrtEnvironment env = OrtEnvironment.getEnvironment();

      // encoder: one sample per row
      float[][] eps1 = LatentNoise.latent(architecture, 11, 0, ROWS, 1);
      List<String> names = new java.util.ArrayList<>();
      for (StochasticLayer layer : architecture.layers()) {
        for (String parameter : layer.family().parameterNames()) {
          names.add(GraphNames.parameter(layer.name(), parameter));
        }
        names.add(GraphNames.sample(layer.name()));
      }
      Map<String, INDArray> expected =
          model.outputs(x, y, ROWS, eps1, 1, null, names.toArray(String[]::new));
      Map<String, float[]> inputs = new HashMap<>();
      Map<String, long[]> shapes = new HashMap<>();
      inputs.put(GraphNames.X, x);
      shapes.put(GraphNames.X, new long[] {ROWS, architecture.inputDim()});
      if (y != null) {
        inputs.put(GraphNames.CONDITION, y);
        shapes.put(GraphNames.CONDITION, new long[] {ROWS, architecture.conditionDim()});
      }
      for (int l = 0; l < architecture.layerCount(); l++) {
        StochasticLayer layer = architecture.layer(l);
        inputs.put(GraphNames.eps(layer.name()), eps1[l]);
        shapes.put(GraphNames.eps(layer.name()), new long[] {ROWS, layer.latentDim()});
      }
      Map<String, float[]> actual = run(env, graphs.model(GraphRole.ENCODER), inputs, shapes);
      for (String name : names) {
        assertClose(name, actual.get(name), floats(expected.get(name)));
      }

      // log importance weights: K samples per row
      float[][] epsK = LatentNoise.latent(architecture, 12, 0, ROWS, K);
      for (int l = 0; l < architecture.layerCount(); l++) {
        StochasticLayer layer = architecture.layer(l);
        inputs.put(GraphNames.eps(layer.name()), epsK[l]);
        shapes.put(GraphNames.eps(layer.name()), new long[] {ROWS, K, layer.latentDim()});
      }
      Map<String, float[]> weights = run(env, graphs.model(GraphRole.LOG_WEIGHTS), inputs, shapes);
      assertClose(
          GraphNames.LOG_W, weights.get(GraphNames.LOG_W), model.logWeights(x, y, ROWS, epsK, K));
    }
  }

  private static float[] floats(INDArray a) {
    return a.dup('c').data().asFloat();
  }

  private static void assertClose(String name, float[] actual, float[] expected) {
    assertThat(actual).as(name).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      double tolerance = RELATIVE * Math.max(1, Math.abs(expected[i]));
      assertThat((double) actual[i])
          .as("%s[%d]", name, i)
          .isBetween(expected[i] - tolerance, expected[i] + tolerance);
    }
  }

  private static Map<String, float[]> run(
      OrtEnvironment env, byte[] model, Map<String, float[]> inputs, Map<String, long[]> shapes)
      throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(model, options)) {
      Map<String, OnnxTensor> tensors = new HashMap<>();
      try {
        for (String name : session.getInputNames()) {
          tensors.put(
              name,
              OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs.get(name)), shapes.get(name)));
        }
        Map<String, float[]> out = new HashMap<>();
        try (OrtSession.Result result = session.run(tensors)) {
          for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
            FloatBuffer buffer = ((OnnxTensor) e.getValue()).getFloatBuffer();
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            out.put(e.getKey(), values);
          }
        }
        return out;
      } finally {
        tensors.values().forEach(OnnxTensor::close);
      }
    }
  }
}
