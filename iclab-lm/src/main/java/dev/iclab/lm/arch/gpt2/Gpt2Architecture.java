package dev.iclab.lm.arch.gpt2;

import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.Architecture;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;

/** GPT-2 (model_type gpt2), with or without the {@code transformer.} prefix and LM head. */
public final class Gpt2Architecture implements Architecture {
  @Override
  public ModelConfig describe(HfConfig config) {
    return Gpt2Config.from(config).common();
  }

  @Override
  public CausalLM load(HfConfig config, Checkpoint checkpoint, NDManager manager) {
    return new Gpt2Model(Gpt2Config.from(config), checkpoint, manager);
  }
}
