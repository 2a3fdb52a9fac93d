package dev.iclab.lm.arch.neox;

import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.Architecture;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;

/** GPT-NeoX and Pythia (model_type gpt_neox). */
public final class NeoxArchitecture implements Architecture {
  @Override
  public ModelConfig describe(HfConfig config) {
    return NeoxConfig.from(config).common();
  }

  @Override
  public CausalLM load(HfConfig config, Checkpoint checkpoint, NDManager manager) {
    return new NeoxModel(NeoxConfig.from(config), checkpoint, manager);
  }
}
