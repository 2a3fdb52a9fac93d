package dev.iclab.tune;

import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.tune.lora.LoraConfig;
import dev.iclab.tune.prompt.PromptConfig;
import java.util.List;
import java.util.Map;

/**
 * The options that shape a tuner, whatever its method; each method's factory in {@link
 * TunerRegistry} reads the ones it uses (and validates them then: options of another method are
 * never checked). The defaults are {@code iclab tune}'s.
 *
 * @param lora LoRA's and QLoRA's options
 * @param prefix prefix tuning's options
 * @param prompt the soft prompt's length and initialisation
 * @param adapterSize the bottleneck adapters' width
 * @param seed seeds the new parameters' initialisation
 */
public record MethodOptions(
    Lora lora, Prefix prefix, PromptConfig prompt, int adapterSize, long seed) {

  /**
   * @param targets LoRA/QLoRA target modules, or null for the architecture's defaults
   * @param doubleQuant QLoRA: quantize the NF4 blocks' scales too
   */
  public record Lora(
      int r, double alpha, double dropout, List<String> targets, boolean doubleQuant) {}

  /**
   * @param length virtual tokens
   * @param reparamHidden the reparameterisation MLP's width (0: none)
   */
  public record Prefix(int length, int reparamHidden) {}

  /**
   * Default LoRA targets by {@code model_type}, as PEFT's {@code
   * TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING}: the query and value projections.
   */
  static final Map<String, List<String>> DEFAULT_TARGETS =
      Map.of(
          "gpt2", List.of("c_attn"),
          "gpt_neox", List.of("query_key_value"),
          "llama", List.of("q_proj", "v_proj"),
          "mistral", List.of("q_proj", "v_proj"),
          "qwen2", List.of("q_proj", "v_proj"));

  /** {@code iclab tune}'s defaults: rank 8, alpha 16, dropout 0.05, 20 virtual tokens, size 64. */
  public static MethodOptions defaults(long seed) {
    return new MethodOptions(
        new Lora(8, 16, 0.05, null, false), new Prefix(20, 0), PromptConfig.vocab(20), 64, seed);
  }

  public MethodOptions withLora(int r, double alpha, double dropout, List<String> targets) {
    Lora changed = new Lora(r, alpha, dropout, targets, lora.doubleQuant());
    return new MethodOptions(changed, prefix, prompt, adapterSize, seed);
  }

  public MethodOptions withPrefix(int length, int hidden) {
    return new MethodOptions(lora, new Prefix(length, hidden), prompt, adapterSize, seed);
  }

  public MethodOptions withPrompt(PromptConfig config) {
    return new MethodOptions(lora, prefix, config, adapterSize, seed);
  }

  public MethodOptions withAdapterSize(int size) {
    return new MethodOptions(lora, prefix, prompt, size, seed);
  }

  /** The LoRA configuration, with the architecture's default targets when none were given. */
  public LoraConfig loraConfig(CausalLM model) {
    List<String> targets = lora.targets() != null ? lora.targets() : defaultTargets(model);
    return new LoraConfig(lora.r(), lora.alpha(), lora.dropout(), targets);
  }

  /**
   * The default LoRA targets of {@code model}'s architecture.
   *
   * @throws ConfigException for an architecture without defaults
   */
  public static List<String> defaultTargets(CausalLM model) {
    String type = model.config().modelType();
    List<String> targets = DEFAULT_TARGETS.get(type);
    if (targets == null) {
      throw new ConfigException(
          "no default LoRA target modules for model_type %s; pass them with --target (valid names: %s)"
              .formatted(type, ModuleTargets.validNames(model)));
    }
    return targets;
  }
}
