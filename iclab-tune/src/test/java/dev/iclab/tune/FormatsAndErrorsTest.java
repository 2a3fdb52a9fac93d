package dev.iclab.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.Dense;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.lm.weights.SafetensorsFile;
import dev.iclab.tune.full.FullConfig;
import dev.iclab.tune.full.FullTuner;
import dev.iclab.tune.lora.LoraConfig;
import dev.iclab.tune.lora.LoraTuner;
import dev.iclab.tune.peft.AdapterFormatException;
import dev.iclab.tune.peft.PeftFormat;
import dev.iclab.tune.qlora.Nf4;
import dev.iclab.tune.qlora.QloraConfig;
import dev.iclab.tune.qlora.QloraTuner;
import dev.iclab.tune.qlora.QuantizedWeight;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PEFT and HF formats, merging, quantisation bounds, memory, and bad input. */
class FormatsAndErrorsTest {
  private static final String STORIES = "tinystories-656k";

  @ParameterizedTest
  @ValueSource(strings = {STORIES, "synthetic/gpt2-tiny", "synthetic/neox-tiny"})
  void mergedLoraGivesTheAdapterLogits(String name) {
    try (CausalLM model = Methods.load(name)) {
      int[] ids = Methods.randomIds(model.config().vocabSize(), 1, 12, 5).get(0).ids();
      float[] base = TunerTest.baseLogits(model, ids);
      LoraTuner lora =
          new LoraTuner(model, new LoraConfig(4, 16, 0, MethodOptions.defaultTargets(model)), 3);
      for (TrainableParameter p : lora.parameters()) {
        int n = (int) p.size();
        p.array().set(Init.gaussian(Init.seedFor(9, p.name()), n, 0.05));
      }
      float[] adapted = TunerTest.logits(lora, ids);
      lora.merge();
      float[] merged = TunerTest.baseLogits(model, ids);
      lora.close();
      for (int i = 0; i < adapted.length; i++) {
        // 1e-5 relative to the logit's size: merging changes the float32 summation order
        assertEquals(adapted[i], merged[i], 1e-5 * Math.max(1, Math.abs(adapted[i])), "logit " + i);
      }
      double moved = 0;
      for (int i = 0; i < base.length; i++) {
        moved = Math.max(moved, Math.abs(base[i] - adapted[i]));
      }
      System.out.printf("merge %s: adapter moved logits by up to %.3g%n", name, moved);
      assertTrue(moved > 1e-5, "the adapter must change the logits for this test to mean anything");
    }
  }

  @Test
  void peftLayoutHasPeftNamesAndShapes(@TempDir Path dir) {
    try (CausalLM model = Methods.load(STORIES);
        LoraTuner lora =
            new LoraTuner(model, new LoraConfig(8, 16, 0.05, List.of("q_proj", "v_proj")), 1)) {
      lora.save(dir, new BaseModel("raincandy-u/TinyStories-656K", TestModels.model(STORIES)));
    }
    JsonNode config = PeftFormat.readConfig(dir);
    assertEquals("LORA", config.get("peft_type").asText());
    assertEquals(8, config.get("r").asInt());
    assertEquals(16.0, config.get("lora_alpha").asDouble());
    assertEquals("raincandy-u/TinyStories-656K", config.get("base_model_name_or_path").asText());
    try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(PeftFormat.WEIGHTS))) {
      var a = st.entries().get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
      var b = st.entries().get("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
      assertArrayEquals(new long[] {8, 128}, a.shape());
      assertArrayEquals(new long[] {64, 8}, b.shape()); // 4 kv heads x 16
      assertEquals(8, st.entries().size()); // 2 layers x 2 modules x {A, B}
    }
  }

  @Test
  void fullCheckpointLoadsBackWithTheTrainedLogits(@TempDir Path dir) {
    List<TrainingExample> data = Methods.stories();
    int[] ids = data.get(0).ids();
    float[] trained;
    try (CausalLM model = Methods.load(STORIES);
        FullTuner full = new FullTuner(model, new FullConfig());
        Trainer trainer = new Trainer(full, TrainingConfig.adamw(1e-3, 1, 1), data.size())) {
      trainer.train(data, p -> {});
      trained = TunerTest.baseLogits(model, ids);
      full.save(dir, BaseModel.of(TestModels.model(STORIES)));
    }
    assertTrue(
        Files.exists(dir.resolve("config.json")) && Files.exists(dir.resolve("tokenizer.json")));
    try (CausalLM reloaded = ModelLoader.standard().load(dir)) {
      assertArrayEquals(trained, TunerTest.baseLogits(reloaded, ids), 0f);
    }
  }

  /**
   * NF4 bound: |w - w'| <= absmax(block) * 0.1519 (half the widest NF4 gap, -1 to -0.696); with
   * double quantisation plus |absmax - absmax'| (half an int8 step of its group). The on-device
   * dequantisation equals the CPU reference to 1e-6 relative.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void nf4DequantisationIsWithinTheBound(boolean doubleQuant) {
    try (CausalLM model = Methods.load(STORIES)) {
      Map<String, float[]> originals = new java.util.HashMap<>();
      model.projections().forEach((name, d) -> originals.put(name, d.weight().toFloatArray()));
      QloraTuner q =
          new QloraTuner(
              model,
              new QloraConfig(new LoraConfig(2, 4, 0, List.of("q_proj")), 64, doubleQuant),
              1);
      long fp32Bytes = 0;
      for (Map.Entry<Dense, QuantizedWeight> e : q.quantized().entrySet()) {
        assertTrue(e.getKey().isReleased(), "the FP32 original of a quantised weight is freed");
        float[] w = originals.get(e.getKey().name());
        fp32Bytes += 4L * w.length;
        Nf4.Quantized exact = Nf4.quantize(w, 64, false);
        Nf4.Quantized used = Nf4.quantize(w, 64, doubleQuant);
        float[] cpu = Nf4.dequantize(used);
        float[] device;
        try (NDManager scope = model.manager().newSubManager()) {
          device = e.getValue().dequantize(scope).toFloatArray();
        }
        for (int i = 0; i < w.length; i++) {
          int block = i / 64;
          double a = exact.absmax()[block];
          double bound =
              a * Nf4.MAX_HALF_GAP + Math.abs(a - used.absmax()[block]) + 1e-7 * Math.abs(a);
          assertTrue(
              Math.abs(w[i] - cpu[i]) <= bound,
              "%s[%d]: %g vs %g, bound %g".formatted(e.getKey().name(), i, w[i], cpu[i], bound));
          assertEquals(cpu[i], device[i], 1e-6 * Math.max(1, Math.abs(cpu[i])));
        }
      }
      double ratio = (double) q.quantizedBytes() / fp32Bytes;
      System.out.printf("NF4 (double quant %s): %.3f of fp32 bytes%n", doubleQuant, ratio);
      assertTrue(ratio > 0.25 && ratio < 0.28, "one byte per code + absmax: " + ratio);
      q.close();
    }
  }

  @Test
  void unknownTargetModuleListsTheValidOnes() {
    try (CausalLM model = Methods.load(STORIES)) {
      var e =
          assertThrows(
              ConfigException.class,
              () -> new LoraTuner(model, new LoraConfig(4, 8, 0, List.of("q_proj", "c_attn")), 1));
      assertTrue(e.getMessage().contains("[c_attn]"), e.getMessage());
      assertTrue(
          e.getMessage().contains("q_proj") && e.getMessage().contains("down_proj"),
          e.getMessage());
      assertTrue(model.projections().values().stream().allMatch(d -> d.adapter() == null));
    }
  }

  @Test
  void badConfigsAreRefusedWithTheFlagName() {
    assertTrue(
        assertThrows(ConfigException.class, () -> new LoraConfig(0, 8, 0, List.of("q_proj")))
            .getMessage()
            .contains("--lora-r"));
    assertThrows(ConfigException.class, () -> new LoraConfig(-3, 8, 0, List.of("q_proj")));
    assertThrows(ConfigException.class, () -> new LoraConfig(4, 8, 1.0, List.of("q_proj")));
    assertThrows(ConfigException.class, () -> new dev.iclab.tune.adapter.AdapterConfig(0));
    assertThrows(ConfigException.class, () -> new dev.iclab.tune.prefix.PrefixConfig(-1, 0));
  }

  @Test
  void adapterForAnotherBaseModelIsRefused(@TempDir Path dir) {
    try (CausalLM stories = Methods.load(STORIES);
        LoraTuner lora = new LoraTuner(stories, new LoraConfig(4, 8, 0, List.of("q_proj")), 1)) {
      lora.save(dir, BaseModel.of(TestModels.model(STORIES)));
    }
    try (CausalLM other = Methods.load("synthetic/llama-tiny-untied")) {
      var e =
          assertThrows(
              AdapterFormatException.class, () -> TunerRegistry.standard().loadAdapter(other, dir));
      assertTrue(e.getMessage().contains("tinystories-656k"), e.getMessage());
      assertTrue(e.getMessage().contains("shape"), e.getMessage());
      assertTrue(other.projections().values().stream().allMatch(d -> d.adapter() == null));
    }
    try (CausalLM gpt2 = Methods.load("synthetic/gpt2-tiny")) {
      var e =
          assertThrows(
              AdapterFormatException.class, () -> TunerRegistry.standard().loadAdapter(gpt2, dir));
      assertTrue(e.getMessage().contains("q_proj"), e.getMessage());
    }
  }

  @Test
  void emptyDataAndOverlongTextsAreHandledAsDocumented(@TempDir Path dir) throws Exception {
    try (CausalLM model = Methods.load(STORIES);
        Tuner tuner = new FullTuner(model, new FullConfig())) {
      assertThrows(
          TuneException.class, () -> new Trainer(tuner, TrainingConfig.adamw(1e-3, 1, 1), 0));
    }
    try (HfTokenizer tokenizer = HfTokenizer.load(TestModels.model(STORIES))) {
      Path empty = Files.writeString(dir.resolve("empty.jsonl"), "\n\n");
      var e =
          assertThrows(TuneException.class, () -> TrainingData.jsonl(empty, "text", tokenizer, 64));
      assertTrue(e.getMessage().contains("no training texts"), e.getMessage());
      Path data =
          Files.writeString(
              dir.resolve("train.jsonl"),
              "{\"text\": \"%s\"}\n{\"text\": \"Tom ran.\"}\n".formatted(Methods.STORIES.get(0)));
      var loaded = TrainingData.jsonl(data, "text", tokenizer, 8);
      assertEquals(1, loaded.truncated());
      assertEquals(8, loaded.examples().get(0).ids().length);
      var missing =
          assertThrows(
              TuneException.class, () -> TrainingData.jsonl(data, "sentence", tokenizer, 8));
      assertTrue(
          missing.getMessage().contains("line 1") && missing.getMessage().contains("--text-field"));
    }
  }

  /** 40 LoRA steps: the model's native arrays (its manager, recursively) do not grow. */
  @Test
  void trainingStepsDoNotLeak() {
    List<TrainingExample> data = Methods.stories().subList(0, 1);
    try (CausalLM model =
            ModelLoader.standard().load(TestModels.model(STORIES), Device.cpu(), true);
        LoraTuner lora =
            new LoraTuner(model, new LoraConfig(4, 8, 0.1, List.of("q_proj", "v_proj")), 1);
        Trainer trainer =
            new Trainer(lora, TrainingConfig.adamw(1e-3, 40, 1).withRegularisation(1.0, 0.1), 1)) {
      int[] counts = new int[41];
      trainer.train(data, p -> counts[p.step()] = model.manager().getManagedArrays().size());
      assertEquals(counts[10], counts[40], "arrays held after step 10 vs step 40");
    }
  }
}
