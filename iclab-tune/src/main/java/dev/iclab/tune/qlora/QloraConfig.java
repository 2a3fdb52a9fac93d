package dev.iclab.tune.qlora;

import dev.iclab.lm.config.ConfigException;
import dev.iclab.tune.lora.LoraConfig;

/**
 * QLoRA: LoRA ({@code lora}) over frozen NF4-quantised base projections.
 *
 * @param blockSize values per absmax block (64 in the paper)
 * @param doubleQuant quantise the absmax values too (int8, groups of 256)
 */
public record QloraConfig(LoraConfig lora, int blockSize, boolean doubleQuant) {
  public QloraConfig {
    if (lora == null) {
      throw new ConfigException("QLoRA needs a LoRA configuration");
    }
    if (blockSize < 1) {
      throw new ConfigException("NF4 block size must be >= 1, got " + blockSize);
    }
  }

  public QloraConfig(LoraConfig lora) {
    this(lora, 64, false);
  }
}
