package dev.iclab.tune.prompt;

import dev.iclab.lm.config.ConfigException;
import java.util.List;

/**
 * Prompt tuning (Lester et al. 2021): {@code virtualTokens} trainable input embeddings placed
 * before every sequence; the model stays frozen.
 *
 * @param virtualTokens number of soft tokens; 0 gives the base model exactly
 * @param init VOCAB (embeddings of seeded random vocabulary tokens), TEXT (embeddings of {@code
 *     initTokenIds}, repeated to fill, as PEFT's TEXT init) or RANDOM (Normal(0, 0.02))
 * @param initTokenIds the instruction's token ids for TEXT; empty otherwise
 * @param initText the instruction text (recorded in the adapter config only)
 */
public record PromptConfig(
    int virtualTokens, Init init, List<Integer> initTokenIds, String initText) {
  public enum Init {
    VOCAB,
    TEXT,
    RANDOM
  }

  public PromptConfig {
    if (virtualTokens < 0) {
      throw new ConfigException("--prompt-len must be >= 0, got " + virtualTokens);
    }
    initTokenIds = List.copyOf(initTokenIds);
    if (init == Init.TEXT && initTokenIds.isEmpty()) {
      throw new ConfigException(
          "prompt init TEXT needs an instruction (--prompt-init-text) that tokenizes to at least one token");
    }
  }

  public static PromptConfig vocab(int virtualTokens) {
    return new PromptConfig(virtualTokens, Init.VOCAB, List.of(), null);
  }
}
