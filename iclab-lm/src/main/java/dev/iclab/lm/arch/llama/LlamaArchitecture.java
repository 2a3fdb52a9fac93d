package dev.iclab.lm.arch.llama;

import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.Architecture;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;

/** Llama and its close relatives, which differ only in config flags. */
public final class LlamaArchitecture implements Architecture {
  private final String modelType;

  private LlamaArchitecture(String modelType) {
    this.modelType = modelType;
  }

  /** Llama 1/2/3: optional attention_bias, mlp_bias, head_dim, rope scaling (linear, llama3). */
  public static LlamaArchitecture llama() {
    return new LlamaArchitecture("llama");
  }

  /** Qwen2: q/k/v biases always, no o_proj bias. */
  public static LlamaArchitecture qwen2() {
    return new LlamaArchitecture("qwen2");
  }

  /** Mistral: no biases, sliding-window attention. */
  public static LlamaArchitecture mistral() {
    return new LlamaArchitecture("mistral");
  }

  @Override
  public ModelConfig describe(HfConfig config) {
    return LlamaConfig.from(config, modelType).common();
  }

  @Override
  public CausalLM load(HfConfig config, Checkpoint checkpoint, NDManager manager) {
    return new LlamaModel(LlamaConfig.from(config, modelType), checkpoint, manager);
  }
}
