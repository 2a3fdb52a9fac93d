package dev.iclab.lm;

import dev.iclab.tensor.SharedAssets;
import java.nio.file.Path;
import java.util.List;

/** The checkpoints in ../shared/models that have reference outputs. */
public final class TestModels {
  private TestModels() {}

  /** Every model directory (relative to ../shared/models) with a reference_outputs.json. */
  public static final List<String> WITH_REFERENCES =
      List.of(
          "tinystories-656k",
          "tiny-gpt2-random",
          "tiny-gpt2-random-vocab21",
          "synthetic/gpt2-tiny",
          "synthetic/llama-tiny-untied",
          "synthetic/llama-tiny-untied-fp16",
          "synthetic/llama-tiny-untied-bf16-sharded",
          "synthetic/mistral-tiny",
          "synthetic/qwen2-tiny",
          "synthetic/neox-tiny",
          "synthetic/neox-tiny-sequential");

  /**
   * One checkpoint of each architecture family (GPT-2 learned positions; rotary NeoX, Mistral with
   * its window, Qwen2 with biases; Llama's TinyStories).
   */
  public static final List<String> ONE_PER_ARCHITECTURE =
      List.of(
          "tinystories-656k",
          "synthetic/gpt2-tiny",
          "synthetic/neox-tiny",
          "synthetic/qwen2-tiny",
          "synthetic/mistral-tiny");

  public static Path model(String name) {
    return SharedAssets.require("models/" + name);
  }
}
