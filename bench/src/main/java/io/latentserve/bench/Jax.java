package io.latentserve.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JAX column of the training benchmark: runs {@code bench/jax/train_iwae.py} for one case as a
 * child process and reads its {@code JAX key=value ...} line.
 */
final class Jax {
  private Jax() {}

  static Map<String, String> run(
      TrainingBenchmarks.Options options, TrainingBenchmarks.Case c, int trainSize)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(options.jaxPython().toString());
    command.add(options.jaxScript().toString());
    command.addAll(
        List.of(
            "--data-dir",
            options.dataDir().toString(),
            "--layers",
            Integer.toString(c.architecture().layerCount()),
            "--k",
            Integer.toString(c.objective().samples()),
            "--epochs",
            Integer.toString(options.epochs()),
            "--batch",
            Integer.toString(options.batch())));
    if (options.evalK() > 0) {
      command.addAll(
          List.of(
              "--eval-k",
              Integer.toString(options.evalK()),
              "--eval-examples",
              Integer.toString(options.evalExamples())));
    }
    if (trainSize % options.batch() != 0) {
      throw new IllegalArgumentException(
          "the JAX script runs full batches only: "
              + trainSize
              + " digits, batch "
              + options.batch());
    }
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String line = null;
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l = out.readLine(); l != null; l = out.readLine()) {
        if (l.startsWith("JAX ")) {
          line = l;
        }
      }
    }
    int rc = process.waitFor();
    if (rc != 0 || line == null) {
      throw new IllegalStateException("JAX run " + command + " failed with exit status " + rc);
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String field : line.substring(4).trim().split(" ")) {
      int eq = field.indexOf('=');
      values.put(field.substring(0, eq), field.substring(eq + 1));
    }
    return values;
  }
}
