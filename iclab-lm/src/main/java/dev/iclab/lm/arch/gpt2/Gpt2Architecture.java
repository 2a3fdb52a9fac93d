package dev.iclab.lm.arch.gpt2;

import dev.iclab.lm.arch.Architecture;

/** GPT-2 (model_type gpt2), with or without the {@code transformer.} prefix and LM head. */
public final class Gpt2Architecture {
  private Gpt2Architecture() {}

  public static Architecture gpt2() {
    return Architecture.of(Gpt2Config::from, Gpt2Config::common, Gpt2Model::new);
  }
}
