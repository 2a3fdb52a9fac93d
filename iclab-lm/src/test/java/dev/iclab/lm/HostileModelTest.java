package dev.iclab.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.lm.generate.GenerationConfig;
import dev.iclab.lm.generate.Generator;
import dev.iclab.lm.score.Perplexity;
import dev.iclab.lm.score.Scorer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged copies of tiny checkpoints: non-finite weights, impossible config.json values and weights
 * that overflow at run time fail with one message naming the tensor, key or step, never with
 * plausible-looking numbers or an engine error.
 */
class HostileModelTest {
  private static final String GPT2 = "synthetic/gpt2-tiny";
  private static final String LLAMA = "synthetic/llama-tiny-untied";

  @TempDir Path dir;

  private static void assertMessage(RuntimeException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
    }
  }

  private Path withConfig(String model, Consumer<ObjectNode> edit) {
    Path copy = ModelFixtures.copy(model, dir.resolve(model.replace('/', '-')));
    ModelFixtures.editConfig(copy, edit);
    return copy;
  }

  @Test
  void nanWeightIsNamedAtLoad() {
    Path copy = ModelFixtures.copy(GPT2, dir.resolve("model"));
    ModelFixtures.fillTensor(copy, "transformer.h.1.mlp.c_fc.weight", Float.NaN);
    var e = assertThrows(ModelLoadException.class, () -> ModelLoader.standard().load(copy));
    assertMessage(e, "'transformer.h.1.mlp.c_fc.weight'", "NaN", "model.safetensors");
  }

  @Test
  void infiniteWeightIsNamedAtLoad() {
    Path copy = ModelFixtures.copy(LLAMA, dir.resolve("model"));
    ModelFixtures.fillTensor(copy, "model.norm.weight", Float.NEGATIVE_INFINITY);
    var e =
        assertThrows(
            ModelLoadException.class, () -> ModelLoader.standard().load(copy, Device.cpu(), true));
    assertMessage(e, "'model.norm.weight'", "infinite");
  }

  @Test
  void nonPositiveNormEpsilonIsRefused() {
    Path llama = withConfig(LLAMA, c -> c.put("rms_norm_eps", -1e-5));
    var e = assertThrows(ConfigException.class, () -> ModelLoader.standard().load(llama));
    assertMessage(e, "'rms_norm_eps'", "-1.0E-5", "above 0");
    Path gpt2 = withConfig(GPT2, c -> c.put("layer_norm_epsilon", 0));
    e = assertThrows(ConfigException.class, () -> ModelLoader.standard().load(gpt2));
    assertMessage(e, "'layer_norm_epsilon'", "above 0");
  }

  @Test
  void zeroHeadsAreRefusedByName() {
    Path copy = withConfig(LLAMA, c -> c.put("num_attention_heads", 0));
    var e = assertThrows(ConfigException.class, () -> ModelLoader.standard().load(copy));
    assertMessage(e, "'num_attention_heads'", "at least 1");
  }

  @Test
  void oddHeadSizeIsRefusedForRotary() {
    Path copy = withConfig(LLAMA, c -> c.put("head_dim", 15));
    var e = assertThrows(ConfigException.class, () -> ModelLoader.standard().load(copy));
    assertMessage(e, "15", "rotary", "even");
  }

  @Test
  void fractionalVocabularySizeIsRefused() {
    Path copy = withConfig(GPT2, c -> c.put("vocab_size", 500.5));
    var e = assertThrows(ConfigException.class, () -> ModelLoader.standard().load(copy));
    assertMessage(e, "'vocab_size'", "500.5", "an integer");
  }

  @Test
  void wholeNumberWrittenAsFloatIsAccepted() {
    Path copy = withConfig(GPT2, c -> c.put("vocab_size", 500.0));
    try (CausalLM model = ModelLoader.standard().load(copy)) {
      assertEquals(500, model.config().vocabSize());
    }
  }

  @Test
  void billionsOfLayersAreRefusedBeforeAnyAllocation() {
    Path copy = withConfig(GPT2, c -> c.put("n_layer", 2_000_000_000));
    var e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(20),
            () -> assertThrows(ModelLoadException.class, () -> ModelLoader.standard().load(copy)));
    assertMessage(e, "2000000000 layers", "billion", "config.json does not belong");
  }

  /** Finite but huge weights overflow in the forward pass: every consumer of logits stops. */
  @Test
  void overflowingForwardStopsGenerationScoringAndPerplexity() {
    Path copy = ModelFixtures.copy(GPT2, dir.resolve("model"));
    ModelFixtures.fillTensor(copy, "transformer.h.0.mlp.c_fc.weight", 3e38f);
    try (CausalLM model = ModelLoader.standard().load(copy)) {
      int[] ids = {1, 2, 3, 4, 5, 6};
      var generate =
          assertThrows(
              NonFiniteException.class,
              () ->
                  new Generator(model).generate(ids, GenerationConfig.greedy(4, List.of()), null));
      assertMessage(generate, "generation step 1", "numerically broken");
      var score =
          assertThrows(
              NonFiniteException.class,
              () -> new Scorer(model).score(ids, List.of(new int[] {7}, new int[] {8, 9})));
      assertMessage(score, "scoring a continuation");
      var perplexity =
          assertThrows(NonFiniteException.class, () -> Perplexity.compute(model, ids, 4, 2, null));
      assertMessage(perplexity, "window 1");
    }
  }
}
