package dev.iclab.tune.prefix;

import dev.iclab.lm.config.ConfigException;

/**
 * Prefix tuning (Li and Liang 2021): trainable key/value prefixes of {@code virtualTokens}
 * positions in every layer.
 *
 * @param virtualTokens prefix length; 0 gives the base model exactly
 * @param reparamHidden hidden width of the reparameterisation MLP (embedding [P, hidden] -> Linear
 *     -> tanh -> Linear -> the prefixes), PEFT's prefix_projection; 0 trains the prefixes directly
 */
public record PrefixConfig(int virtualTokens, int reparamHidden) {
  public PrefixConfig {
    if (virtualTokens < 0) {
      throw new ConfigException("--prefix-len must be >= 0, got " + virtualTokens);
    }
    if (reparamHidden < 0) {
      throw new ConfigException("--reparam-hidden must be >= 0 (0: no MLP), got " + reparamHidden);
    }
  }
}
