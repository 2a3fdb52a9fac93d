package dev.iclab.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.Methods.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every method over the same tiny models: gradients, identity at init, learning, save/load. */
class TunerTest {
  static final List<String> MODELS =
      List.of("tinystories-656k", "synthetic/gpt2-tiny", "synthetic/neox-tiny");

  static Stream<Arguments> methodsAndModels() {
    return Methods.ALL.stream().flatMap(m -> MODELS.stream().map(model -> Arguments.of(m, model)));
  }

  /** The issue asks for gradient checks on the tiny GPT-2 and TinyStories models. */
  static Stream<Arguments> gradientCases() {
    return Methods.ALL.stream()
        .flatMap(
            m ->
                Stream.of("tinystories-656k", "synthetic/gpt2-tiny")
                    .map(model -> Arguments.of(m, model)));
  }

  /** A method added to the registry without a test case here fails the suite. */
  @Test
  void everyRegisteredMethodHasATestCase() {
    assertEquals(
        new java.util.TreeSet<>(TunerRegistry.standard().methods()),
        new java.util.TreeSet<>(Methods.ALL.stream().map(Method::method).toList()));
  }

  static Stream<Method> methods() {
    return Methods.ALL.stream();
  }

  static float[] logits(Tuner tuner, int[] ids) {
    try (NDManager scope = tuner.model().manager().newSubManager()) {
      NDArray input = scope.create(ids, new Shape(1, ids.length));
      return tuner.model().forward(scope, input, tuner.forwardOptions(scope, 1)).toFloatArray();
    }
  }

  static float[] baseLogits(CausalLM model, int[] ids) {
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray input = scope.create(ids, new Shape(1, ids.length));
      return model.forward(scope, input, dev.iclab.lm.arch.ForwardOptions.NONE).toFloatArray();
    }
  }

  static List<TrainingExample> data(String model, CausalLM m) {
    return model.startsWith("tinystories")
        ? Methods.stories()
        : Methods.randomIds(m.config().vocabSize(), 2, 9, 3);
  }

  /**
   * Gives all-zero trainable arrays (LoRA's B, an adapter's up) small values, so every gradient is
   * informative.
   */
  static void perturbZeros(Tuner tuner) {
    for (TrainableParameter p : tuner.parameters()) {
      float[] v = p.array().toFloatArray();
      boolean zero = true;
      for (float x : v) {
        zero &= x == 0;
      }
      if (zero) {
        p.array().set(Init.gaussian(Init.seedFor(3, p.name()), v.length, 0.05));
      }
    }
  }

  /**
   * Analytic gradients against central finite differences, in float32: for the first 3 trainable
   * arrays, the 2 coordinates with the largest |gradient|, eps = 1e-2. Float32 loss round-off
   * (~1e-6) divided by 2 eps bounds the difference's noise near 1e-4, so the tolerance is |fd -
   * analytic| <= 3e-2 max(|fd|, |analytic|) + 5e-4.
   */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("gradientCases")
  void gradientsMatchFiniteDifferences(Method method, String modelName) {
    try (CausalLM model = Methods.load(modelName);
        Tuner tuner = method.attach(model)) {
      perturbZeros(tuner);
      List<TrainingExample> batch = data(modelName, model).subList(0, 2);
      Map<String, float[]> grads = BatchLoss.gradients(tuner, batch);
      double worst = 0;
      int checked = 0;
      for (TrainableParameter p :
          tuner.parameters().subList(0, Math.min(3, tuner.parameters().size()))) {
        float[] g = grads.get(p.name());
        Integer[] order = new Integer[g.length];
        for (int i = 0; i < g.length; i++) {
          order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(Math.abs(g[b]), Math.abs(g[a])));
        for (int k = 0; k < Math.min(2, g.length); k++) {
          int i = order[k];
          double fd = finiteDifference(tuner, p, i, 1e-2, batch);
          double err = Math.abs(fd - g[i]);
          double tolerance = 3e-2 * Math.max(Math.abs(fd), Math.abs(g[i])) + 5e-4;
          assertTrue(
              err <= tolerance,
              "%s %s[%d]: analytic %.6g vs finite difference %.6g"
                  .formatted(method, p.name(), i, g[i], fd));
          worst = Math.max(worst, err / Math.max(1e-12, Math.abs(fd)));
          checked++;
        }
      }
      assertTrue(checked > 0);
      System.out.printf(
          "gradient check %s on %s: worst relative error %.2e%n", method, modelName, worst);
    }
  }

  private static double finiteDifference(
      Tuner tuner, TrainableParameter p, int index, double eps, List<TrainingExample> batch) {
    float[] original = p.array().toFloatArray();
    float[] shifted = original.clone();
    shifted[index] = (float) (original[index] + eps);
    p.array().set(shifted);
    double plus = loss(tuner, batch);
    shifted[index] = (float) (original[index] - eps);
    p.array().set(shifted);
    double minus = loss(tuner, batch);
    p.array().set(original);
    float[] step = shifted; // the true perturbation after float rounding
    double h = (double) (original[index] + (float) eps) - (double) step[index];
    return (plus - minus) / h;
  }

  private static double loss(Tuner tuner, List<TrainingExample> batch) {
    try (NDManager scope = tuner.model().manager().newSubManager()) {
      return BatchLoss.batchLoss(scope, tuner, batch, 0).getFloat();
    }
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("methodsAndModels")
  void identityInitialisationsGiveTheBaseLogitsExactly(Method method, String modelName) {
    Tuner tuner;
    try (CausalLM model = Methods.load(modelName)) {
      int[] ids = data(modelName, model).get(0).ids();
      float[] base = baseLogits(model, ids);
      tuner =
          switch (method.name()) {
            case "lora", "adapter", "full", "kv" -> method.attach(model);
            case "prefix", "prefix-mlp" ->
                new dev.iclab.tune.prefix.PrefixTuner(
                    model, new dev.iclab.tune.prefix.PrefixConfig(0, 0), 1);
            case "prompt" ->
                new dev.iclab.tune.prompt.PromptTuner(
                    model, dev.iclab.tune.prompt.PromptConfig.vocab(0), 1);
            default -> null; // qlora changes the base weights by design
          };
      if (tuner == null) {
        return;
      }
      try (tuner) {
        assertArrayEquals(base, logits(tuner, ids), 0f, method + " at init must be the base model");
      }
      assertArrayEquals(base, baseLogits(model, ids), 0f, "closing the tuner restores the model");
    }
  }

  /**
   * Each method lowers the training loss of four TinyStories sentences by at least 10% in 8 AdamW
   * steps (2 epochs, batch 1; kv: plain SGD).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("methods")
  void trainingLowersTheLossOnTinyStories(Method method) {
    List<TrainingExample> data = Methods.stories();
    try (CausalLM model = Methods.load("tinystories-656k");
        Tuner tuner = method.attach(model);
        Trainer trainer = new Trainer(tuner, method.training(), data.size())) {
      double before = BatchLoss.evaluate(tuner, data, 4);
      var result = trainer.train(data, p -> {});
      double after = BatchLoss.evaluate(tuner, data, 4);
      System.out.printf(
          "learning %s: loss %.4f -> %.4f in %d steps (%.2f s)%n",
          method, before, after, result.steps(), result.seconds());
      assertTrue(after < 0.9 * before, method + ": loss " + before + " -> " + after);
      var released =
          model.projections().values().stream()
              .filter(dev.iclab.lm.arch.Dense::isReleased)
              .map(d -> d.name() + ".weight")
              .toList(); // QLoRA's freed FP32 originals: nothing left to hold a gradient
      for (var e : model.parameters().entrySet()) {
        boolean trained = tuner.parameters().stream().anyMatch(p -> p.array() == e.getValue());
        if (!trained && !released.contains(e.getKey())) {
          assertFalse(e.getValue().hasGradient(), e.getKey() + " is frozen but has a gradient");
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("methodsAndModels")
  void savedAdapterLoadsToIdenticalLogits(Method method, String modelName, @TempDir Path dir)
      throws Exception {
    if (!TunerRegistry.standard().method(method.name().replace("-mlp", "")).savesAdapter()) {
      return; // full and kv save checkpoints: see fullCheckpointLoadsBack
    }
    try (CausalLM model = Methods.load(modelName)) {
      int[] ids = data(modelName, model).get(0).ids();
      float[] trained;
      try (Tuner tuner = method.attach(model)) {
        perturbZeros(tuner);
        trained = logits(tuner, ids);
        tuner.save(dir, BaseModel.of(Path.of(modelName)));
      }
      assertTrue(Files.exists(dir.resolve("adapter_config.json")));
      // a fresh copy of the base model: QLoRA released the FP32 originals of this one
      try (CausalLM fresh = Methods.load(modelName);
          Tuner loaded = TunerRegistry.standard().loadAdapter(fresh, dir)) {
        assertArrayEquals(trained, logits(loaded, ids), 0f);
      }
    }
  }

  static Stream<String> models() {
    return MODELS.stream();
  }

  /** Dai et al.'s kv mode changes the key/value projections and leaves every other bit alone. */
  @ParameterizedTest
  @MethodSource("models")
  void kvTrainingChangesOnlyKeysAndValues(String modelName) {
    try (CausalLM model = Methods.load(modelName);
        Tuner tuner = new dev.iclab.tune.kv.KvTuner(model, new dev.iclab.tune.kv.KvConfig())) {
      Map<String, float[]> before = new LinkedHashMap<>();
      model.parameters().forEach((k, v) -> before.put(k, v.toFloatArray()));
      List<TrainingExample> data = data(modelName, model);
      try (Trainer trainer = new Trainer(tuner, TrainingConfig.daiKv(0.5), data.size())) {
        trainer.train(data, p -> {});
      }
      int e = model.config().hiddenSize();
      int d = model.config().headDim();
      List<String> changed = new ArrayList<>();
      for (var entry : model.parameters().entrySet()) {
        String name = entry.getKey();
        float[] old = before.get(name);
        float[] now = entry.getValue().toFloatArray();
        boolean kv = name.contains("k_proj") || name.contains("v_proj");
        boolean fused = name.contains("c_attn") || name.contains("query_key_value");
        if (!kv && !fused) {
          assertArrayEquals(old, now, 0f, name + " must be bit-identical");
          continue;
        }
        if (!Arrays.equals(old, now)) {
          changed.add(name);
        }
        if (fused) {
          long[] shape = entry.getValue().getShape().getShape();
          for (int i = 0; i < now.length; i++) {
            boolean query;
            if (name.contains("c_attn")) {
              query = (shape.length == 2 ? i % shape[1] : i) < e; // [in, 3e] columns, bias [3e]
            } else {
              long row = shape.length == 2 ? i / shape[1] : i; // [3e, in] rows, per head [h, 3, d]
              query = (row % (3L * d)) < d;
            }
            if (query) {
              assertEquals(old[i], now[i], 0f, name + "[" + i + "] is a query entry");
            }
          }
        }
      }
      assertFalse(changed.isEmpty(), "kv training changed nothing");
    }
  }
}
