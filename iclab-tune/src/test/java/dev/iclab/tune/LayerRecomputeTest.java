package dev.iclab.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.LayeredPass;
import dev.iclab.tune.prompt.PromptConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LayerRecompute} (training with {@code --recompute layers}) gives the gradients and losses
 * of one backward pass through the whole graph, on real tiny checkpoints.
 *
 * <p>Tolerance: the recomputed layers compute the same values (the loss is bit-identical); the
 * gradients differ only in the order PyTorch sums a parameter's contributions (the layer-by-layer
 * backward passes add into .grad one after another), so each array must agree within 1e-5 of its
 * largest |gradient| plus 1e-9. A wrong incoming gradient, a missed layer or a different dropout
 * mask changes gradients by orders of magnitude more.
 */
class LayerRecomputeTest {
  private static final MethodOptions OPTIONS =
      MethodOptions.defaults(7).withLora(4, 8, 0, null).withAdapterSize(8);

  static Stream<Arguments> methodsAndModels() {
    List<Arguments> cases = new ArrayList<>();
    for (String model :
        List.of("tinystories-656k", "synthetic/gpt2-tiny", "synthetic/mistral-tiny")) {
      for (String method : List.of("lora", "qlora", "full", "adapter")) {
        cases.add(Arguments.of(method, model));
      }
    }
    return cases.stream();
  }

  /** Without dropout: the plain path's own gradients (through {@code forward}) and loss. */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("methodsAndModels")
  void recomputedGradientsEqualThePlainPath(String method, String modelName) {
    try (CausalLM model = Methods.load(modelName);
        Tuner tuner = TunerRegistry.standard().create(method, model, OPTIONS)) {
      TunerTest.perturbZeros(tuner);
      List<TrainingExample> batch = batch(model);
      Map<String, float[]> plain = BatchLoss.gradients(tuner, batch);
      double plainLoss = loss(tuner, batch);
      Recomputed recomputed = recompute(tuner, batch, 11);
      assertEquals(plainLoss, recomputed.loss(), "loss");
      assertSame(plain, recomputed.gradients(), method + " on " + modelName);
    }
  }

  /**
   * With dropout on: the recomputed layers draw the same masks as the first run, so the gradients
   * are those of one graph through the same masks (the layered pass recorded at once, seeded per
   * layer as the recomputation seeds it); and the masks do matter (the gradients differ from those
   * without dropout).
   */
  @ParameterizedTest(name = "{0} with dropout")
  @MethodSource("loraMethods")
  void withDropoutTheRecomputedMasksAreTheFirstPassMasks(String method) {
    MethodOptions dropout = OPTIONS.withLora(4, 8, 0.3, null);
    try (CausalLM model = Methods.load("tinystories-656k");
        Tuner tuner = TunerRegistry.standard().create(method, model, dropout)) {
      TunerTest.perturbZeros(tuner);
      List<TrainingExample> batch = batch(model);
      tuner.setTraining(false);
      Map<String, float[]> withoutDropout = recompute(tuner, batch, 5).gradients();
      tuner.setTraining(true);
      Recomputed recomputed = recompute(tuner, batch, 5);
      Recomputed oneGraph = oneGraph(tuner, batch, 5);
      assertEquals(oneGraph.loss(), recomputed.loss(), "loss");
      assertSame(oneGraph.gradients(), recomputed.gradients(), method + " with dropout");
      double changed = largestDifference(withoutDropout, recomputed.gradients());
      assertTrue(changed > 1e-3, "dropout changed the gradients by only " + changed);
    }
  }

  static Stream<String> loraMethods() {
    return Stream.of("lora", "qlora");
  }

  /** Training with recomputation takes the same steps as without (no dropout): same losses. */
  @Test
  void trainingWithRecomputationFollowsThePlainRun() {
    List<TrainingExample> data = Methods.stories();
    TrainingConfig plain = TrainingConfig.adamw(1e-2, 2, 1);
    List<Double> expected = train(plain, data);
    List<Double> actual = train(plain.withRecompute(TrainingConfig.Recompute.LAYERS), data);
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), actual.get(i), 1e-5 * Math.abs(expected.get(i)), "step " + i);
    }
    assertTrue(actual.get(actual.size() - 1) < actual.get(0), "the loss fell: " + actual);
  }

  /** 30 recomputed QLoRA steps with dropout: the model's native arrays do not grow. */
  @Test
  void recomputedStepsDoNotLeak() {
    List<TrainingExample> data = Methods.stories().subList(0, 1);
    MethodOptions options = OPTIONS.withLora(4, 8, 0.1, null);
    TrainingConfig config =
        TrainingConfig.adamw(1e-3, 30, 1)
            .withRegularisation(1.0, 0.1)
            .withRecompute(TrainingConfig.Recompute.LAYERS);
    try (CausalLM model =
            dev.iclab.lm.ModelLoader.standard()
                .load(
                    dev.iclab.lm.TestModels.model("tinystories-656k"),
                    ai.djl.Device.cpu(),
                    true,
                    TunerRegistry.whileLoading("qlora", options));
        Tuner tuner = TunerRegistry.standard().create("qlora", model, options);
        Trainer trainer = new Trainer(tuner, config, 1)) {
      int[] counts = new int[31];
      trainer.train(data, p -> counts[p.step()] = model.manager().getManagedArrays().size());
      assertEquals(counts[10], counts[30], "arrays held after step 10 vs step 30");
    }
  }

  @Test
  void aSharedSoftPromptIsRefusedWithTheFlagToDrop() {
    MethodOptions prompt = OPTIONS.withPrompt(PromptConfig.vocab(4));
    try (CausalLM model = Methods.load("tinystories-656k");
        Tuner tuner = TunerRegistry.standard().create("prompt", model, prompt)) {
      TuneException e = assertThrows(TuneException.class, () -> recompute(tuner, batch(model), 1));
      assertTrue(e.getMessage().contains("--recompute none"), e.getMessage());
    }
  }

  private static List<Double> train(TrainingConfig config, List<TrainingExample> data) {
    MethodOptions options = OPTIONS.withLora(4, 8, 0, null);
    try (CausalLM model = Methods.load("tinystories-656k");
        Tuner tuner = TunerRegistry.standard().create("qlora", model, options);
        Trainer trainer = new Trainer(tuner, config, data.size())) {
      return trainer.train(data, p -> {}).losses();
    }
  }

  /** Two rows of different lengths, so padding and the loss mask take part. */
  private static List<TrainingExample> batch(CausalLM model) {
    if (model.config().vocabSize() == 2048) { // TinyStories-656k, whose tokenizer we have
      return Methods.stories().subList(0, 2);
    }
    List<TrainingExample> ids = Methods.randomIds(model.config().vocabSize(), 2, 12, 3);
    int[] shorter = java.util.Arrays.copyOf(ids.get(1).ids(), 7);
    return List.of(ids.get(0), TrainingExample.of(shorter));
  }

  record Recomputed(double loss, Map<String, float[]> gradients) {}

  private static Recomputed recompute(Tuner tuner, List<TrainingExample> batch, long seed) {
    return withGradients(
        tuner, scope -> LayerRecompute.accumulate(scope, tuner, batch, 0, 1, seed, loss -> {}));
  }

  /** The layered pass recorded as one graph, seeded per layer as the recomputation seeds it. */
  private static Recomputed oneGraph(Tuner tuner, List<TrainingExample> batch, long seed) {
    return withGradients(
        tuner,
        scope -> {
          try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            BatchLoss.Tokens tokens = BatchLoss.Tokens.of(scope, batch);
            LayeredPass pass =
                tuner
                    .model()
                    .layered(scope, tokens.input(), tuner.forwardOptions(scope, batch.size()));
            NDArray hidden = pass.embeddings();
            for (int l = 0; l < pass.numLayers(); l++) {
              LayerRecompute.seed(seed, l);
              hidden = pass.layer(l, hidden);
            }
            NDArray loss = tokens.loss(pass.logits(hidden), 0);
            collector.backward(loss);
            return (double) loss.getFloat();
          }
        });
  }

  private static Recomputed withGradients(Tuner tuner, Function<NDManager, Double> backward) {
    List<TrainableParameter> parameters = tuner.parameters();
    parameters.forEach(p -> p.array().setRequiresGradient(true));
    try (NDManager scope = tuner.model().manager().newSubManager()) {
      double loss = backward.apply(scope);
      List<NDArray> grads = Trainer.readGradients(scope, parameters);
      Map<String, float[]> out = new LinkedHashMap<>();
      for (int i = 0; i < grads.size(); i++) {
        out.put(
            parameters.get(i).name(), grads.get(i).toType(DataType.FLOAT32, false).toFloatArray());
      }
      return new Recomputed(loss, out);
    } finally {
      parameters.forEach(p -> p.array().setRequiresGradient(false));
    }
  }

  private static double loss(Tuner tuner, List<TrainingExample> batch) {
    try (NDManager scope = tuner.model().manager().newSubManager()) {
      return BatchLoss.batchLoss(scope, tuner, batch, 0).getFloat();
    }
  }

  private static void assertSame(
      Map<String, float[]> expected, Map<String, float[]> actual, String what) {
    assertEquals(expected.keySet(), actual.keySet(), what);
    double informative = 0;
    for (Map.Entry<String, float[]> e : expected.entrySet()) {
      float[] want = e.getValue();
      float[] got = actual.get(e.getKey());
      double largest = 0;
      for (float v : want) {
        largest = Math.max(largest, Math.abs(v));
      }
      informative = Math.max(informative, largest);
      double tolerance = 1e-5 * largest + 1e-9;
      for (int i = 0; i < want.length; i++) {
        double err = Math.abs(want[i] - got[i]);
        if (err > tolerance) {
          throw new AssertionError(
              "%s: %s[%d] recomputed %.8g vs %.8g (tolerance %.2g)"
                  .formatted(what, e.getKey(), i, got[i], want[i], tolerance));
        }
      }
    }
    assertTrue(informative > 1e-6, what + ": all gradients are zero");
  }

  private static double largestDifference(Map<String, float[]> a, Map<String, float[]> b) {
    double worst = 0;
    for (String name : a.keySet()) {
      float[] x = a.get(name);
      float[] y = b.get(name);
      for (int i = 0; i < x.length; i++) {
        worst = Math.max(worst, Math.abs(x[i] - y[i]));
      }
    }
    return worst;
  }
}
