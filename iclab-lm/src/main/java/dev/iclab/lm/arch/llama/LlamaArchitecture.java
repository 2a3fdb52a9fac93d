package dev.iclab.lm.arch.llama;

import dev.iclab.lm.arch.Architecture;

/** Llama and its close relatives, which differ only in config flags. */
public final class LlamaArchitecture {
  private LlamaArchitecture() {}

  /** Llama 1/2/3: optional attention_bias, mlp_bias, head_dim, rope scaling (linear, llama3). */
  public static Architecture llama() {
    return of("llama");
  }

  /** Qwen2: q/k/v biases always, no o_proj bias. */
  public static Architecture qwen2() {
    return of("qwen2");
  }

  /** Mistral: no biases, sliding-window attention. */
  public static Architecture mistral() {
    return of("mistral");
  }

  private static Architecture of(String modelType) {
    return Architecture.of(
        config -> LlamaConfig.from(config, modelType), LlamaConfig::common, LlamaModel::new);
  }
}
