package dev.iclab.tune;

import ai.djl.Device;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.tune.prompt.PromptConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The tuning methods every table-driven test runs, each with a small configuration, built through
 * {@link TunerRegistry} as the CLI builds them. {@code TunerTest} fails when a registered method
 * has no case here.
 */
final class Methods {
  private Methods() {}

  /**
   * A test case of a registered method; {@code lr} makes TinyStories' loss fall in a few steps.
   *
   * @param name the case (a method, or a variant such as prefix-mlp)
   * @param method the registered method
   */
  record Method(String name, String method, MethodOptions options, TrainingConfig training) {
    Tuner attach(CausalLM model) {
      return TunerRegistry.standard().create(method, model, options);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static final MethodOptions SMALL =
      MethodOptions.defaults(7).withLora(4, 8, 0, null).withPrefix(4, 0).withAdapterSize(8);

  static final List<Method> ALL =
      List.of(
          new Method("full", "full", SMALL, TrainingConfig.adamw(3e-3, 2, 1)),
          new Method("lora", "lora", SMALL, TrainingConfig.adamw(1e-2, 2, 1)),
          new Method("qlora", "qlora", SMALL, TrainingConfig.adamw(1e-2, 2, 1)),
          new Method("prefix", "prefix", SMALL, TrainingConfig.adamw(3e-2, 2, 1)),
          new Method(
              "prefix-mlp", "prefix", SMALL.withPrefix(4, 32), TrainingConfig.adamw(3e-3, 2, 1)),
          new Method(
              "prompt",
              "prompt",
              SMALL.withPrompt(PromptConfig.vocab(4)),
              TrainingConfig.adamw(3e-2, 2, 1)),
          new Method("adapter", "adapter", SMALL, TrainingConfig.adamw(1e-2, 2, 1)),
          new Method(
              "kv",
              "kv",
              SMALL,
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
