package dev.iclab.lm.arch.neox;

import dev.iclab.lm.arch.Architecture;

/** GPT-NeoX and Pythia (model_type gpt_neox). */
public final class NeoxArchitecture {
  private NeoxArchitecture() {}

  public static Architecture neox() {
    return Architecture.of(NeoxConfig::from, NeoxConfig::common, NeoxModel::new);
  }
}
