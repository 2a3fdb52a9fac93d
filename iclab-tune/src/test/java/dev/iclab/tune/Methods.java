package dev.iclab.tune;

import ai.djl.Device;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.tune.adapter.AdapterConfig;
import dev.iclab.tune.adapter.AdapterTuner;
import dev.iclab.tune.full.FullConfig;
import dev.iclab.tune.full.FullTuner;
import dev.iclab.tune.kv.KvConfig;
import dev.iclab.tune.kv.KvTuner;
import dev.iclab.tune.lora.LoraConfig;
import dev.iclab.tune.lora.LoraTuner;
import dev.iclab.tune.prefix.PrefixConfig;
import dev.iclab.tune.prefix.PrefixTuner;
import dev.iclab.tune.prompt.PromptConfig;
import dev.iclab.tune.prompt.PromptTuner;
import dev.iclab.tune.qlora.QloraConfig;
import dev.iclab.tune.qlora.QloraTuner;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/** The tuning methods every table-driven test runs, each with a small configuration. */
final class Methods {
  private Methods() {}

  /** A method with a test configuration; {@code lr} makes TinyStories' loss fall in a few steps. */
  record Method(String name, BiFunction<CausalLM, Long, Tuner> create, TrainingConfig training) {
    Tuner attach(CausalLM model) {
      return create.apply(model, 7L);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static List<String> loraTargets(CausalLM model) {
    return model.projections().containsKey("transformer.h.0.attn.c_attn")
        ? List.of("c_attn")
        : model.projections().keySet().stream().anyMatch(p -> p.endsWith("query_key_value"))
            ? List.of("query_key_value")
            : List.of("q_proj", "v_proj");
  }

  static final List<Method> ALL =
      List.of(
          new Method(
              "full",
              (m, s) -> new FullTuner(m, new FullConfig()),
              TrainingConfig.adamw(3e-3, 2, 1)),
          new Method(
              "lora",
              (m, s) -> new LoraTuner(m, new LoraConfig(4, 8, 0, loraTargets(m)), s),
              TrainingConfig.adamw(1e-2, 2, 1)),
          new Method(
              "qlora",
              (m, s) ->
                  new QloraTuner(m, new QloraConfig(new LoraConfig(4, 8, 0, loraTargets(m))), s),
              TrainingConfig.adamw(1e-2, 2, 1)),
          new Method(
              "prefix",
              (m, s) -> new PrefixTuner(m, new PrefixConfig(4, 0), s),
              TrainingConfig.adamw(3e-2, 2, 1)),
          new Method(
              "prefix-mlp",
              (m, s) -> new PrefixTuner(m, new PrefixConfig(4, 32), s),
              TrainingConfig.adamw(3e-3, 2, 1)),
          new Method(
              "prompt",
              (m, s) -> new PromptTuner(m, PromptConfig.vocab(4), s),
              TrainingConfig.adamw(3e-2, 2, 1)),
          new Method(
              "adapter",
              (m, s) -> new AdapterTuner(m, new AdapterConfig(8), s),
              TrainingConfig.adamw(1e-2, 2, 1)),
          new Method(
              "kv",
              (m, s) -> new KvTuner(m, new KvConfig()),
              new TrainingConfig(
                  "sgd",
                  0.1,
                  4,
                  1,
                  1,
                  dev.iclab.tune.optim.LrSchedule.Kind.CONSTANT,
                  0,
                  0,
                  0,
                  0,
                  false,
                  1)));

  static CausalLM load(String name) {
    return ModelLoader.standard().load(TestModels.model(name), Device.cpu(), true);
  }

  static final List<String> STORIES =
      List.of(
          "Once upon a time, there was a little girl named Lily. She loved to play in the park.",
          "Tom had a red ball. He threw the ball to his dog, and the dog ran after it.",
          "The sun was shining. Mom and Ben went to the beach to build a big sand castle.",
          "One day, a small cat found a box. The cat jumped in the box and took a nap.");

  /** The four stories, tokenised with TinyStories' tokenizer. */
  static List<TrainingExample> stories() {
    try (HfTokenizer tokenizer = HfTokenizer.load(TestModels.model("tinystories-656k"))) {
      return STORIES.stream().map(s -> TrainingExample.of(tokenizer.encode(s))).toList();
    }
  }

  /** Seeded random sequences of ids below {@code vocab} (for models without a tokenizer). */
  static List<TrainingExample> randomIds(int vocab, int count, int length, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<TrainingExample> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] ids = new int[length];
      for (int t = 0; t < length; t++) {
        ids[t] = random.nextInt(vocab);
      }
      out.add(TrainingExample.of(ids));
    }
    return out;
  }
}
