package dev.iclab.lm.arch.neox;

import dev.iclab.lm.arch.RopeScaling;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.tensor.Ops;

/**
 * GPT-NeoX config.json, Pythia-era keys (rotary_pct, rotary_emb_base) and current ones
 * (partial_rotary_factor, rope_theta, attention_bias) alike.
 *
 * @param rotaryDims int(headDim * rotary_pct): only these leading head dimensions are rotated
 */
public record NeoxConfig(
    ModelConfig common,
    String activation,
    double layerNormEps,
    boolean parallelResidual,
    boolean attentionBias,
    int rotaryDims,
    float[] inverseFrequencies) {

  public NeoxConfig {
    inverseFrequencies = inverseFrequencies.clone();
  }

  public static NeoxConfig from(HfConfig config) {
    int hidden = config.positiveInteger("hidden_size");
    int heads = config.positiveInteger("num_attention_heads");
    if (hidden % heads != 0) {
      throw config.unsupported(
          "num_attention_heads",
          "hidden_size %d is not divisible by it".formatted(hidden),
          "fix config.json");
    }
    int headDim = hidden / heads;
    String activation = config.string("hidden_act", "gelu");
    if (!Ops.isSupportedActivation(activation)) {
      throw config.unsupported(
          "hidden_act", "activation " + activation, "use gelu, gelu_new, relu or silu");
    }
    double pct = config.number("partial_rotary_factor", config.number("rotary_pct", 0.25));
    if (!(pct > 0 && pct <= 1)) {
      throw new ConfigException(
          "%s: the rotary fraction (partial_rotary_factor / rotary_pct) is %s but must be in (0, 1]; fix config.json"
              .formatted(config.path(), pct));
    }
    int rotaryDims = (int) (headDim * pct);
    if (rotaryDims < 2 || rotaryDims % 2 != 0) {
      throw new ConfigException(
          "%s: head size %d x rotary fraction %s gives %d rotary dimensions, which the rotary embedding cannot split into pairs; fix config.json so that it is even"
              .formatted(config.path(), headDim, pct, rotaryDims));
    }
    double base =
        config.positiveNumber("rope_theta", config.positiveNumber("rotary_emb_base", 10000));
    ModelConfig common =
        new ModelConfig(
            "gpt_neox",
            config.positiveInteger("vocab_size"),
            hidden,
            config.positiveInteger("num_hidden_layers"),
            heads,
            heads,
            headDim,
            config.positiveInteger("intermediate_size"),
            config.positiveInteger("max_position_embeddings", 2048),
            config.bool("tie_word_embeddings", false),
            config.has("bos_token_id") ? config.integer("bos_token_id") : null,
            config.integers("eos_token_id"),
            AttentionVariant.from(config));
    return new NeoxConfig(
        common,
        activation,
        config.positiveNumber("layer_norm_eps", 1e-5),
        config.bool("use_parallel_residual", true),
        config.bool("attention_bias", true),
        rotaryDims,
        RopeScaling.frequencies(config, rotaryDims, base));
  }
}
