package dev.iclab.experiments.tune;

import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.MethodOptions;
import dev.iclab.tune.prompt.PromptConfig;
import java.util.Arrays;
import java.util.List;

/**
 * The flags that shape a tuner, as given; each method reads the ones it uses ({@link
 * MethodOptions}).
 *
 * @param targets LoRA/QLoRA target modules, or null for the architecture's defaults
 * @param promptInitText prompt tuning starts from this text's token embeddings, or null for random
 *     vocabulary tokens
 */
public record MethodFlags(
    int loraR,
    double loraAlpha,
    double loraDropout,
    List<String> targets,
    boolean doubleQuant,
    int prefixLength,
    int reparamHidden,
    int promptLength,
    String promptInitText,
    int adapterSize) {

  /** The tuner's options; prompt tuning's initial text is encoded with {@code tokenizer}. */
  public MethodOptions options(Tokenizer tokenizer, long seed) {
    PromptConfig prompt =
        promptInitText == null
            ? PromptConfig.vocab(promptLength)
            : new PromptConfig(
                promptLength,
                PromptConfig.Init.TEXT,
                Arrays.stream(tokenizer.encode(promptInitText, false)).boxed().toList(),
                promptInitText);
    return new MethodOptions(
        loraR,
        loraAlpha,
        loraDropout,
        targets,
        doubleQuant,
        prefixLength,
        reparamHidden,
        prompt,
        adapterSize,
        seed);
  }
}
