package dev.iclab.lm.arch.gpt2;

import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.tensor.Ops;

/**
 * GPT-2's config.json, mapped in one place.
 *
 * @param activation HF activation_function (default gelu_new)
 * @param scaleByInverseLayer scale_attn_by_inverse_layer_idx: divide scores by layer + 1
 */
public record Gpt2Config(
    ModelConfig common,
    int positions,
    String activation,
    double layerNormEps,
    boolean scaleWeights,
    boolean scaleByInverseLayer) {

  public static Gpt2Config from(HfConfig config) {
    if (config.bool("add_cross_attention", false)) {
      throw config.unsupported(
          "add_cross_attention", "encoder-decoder cross attention", "use a decoder-only GPT-2");
    }
    String activation = config.string("activation_function", "gelu_new");
    if (!Ops.isSupportedActivation(activation)) {
      throw config.unsupported(
          "activation_function", "activation " + activation, "use gelu, gelu_new, relu or silu");
    }
    int hidden = config.positiveInteger("n_embd");
    int heads = config.positiveInteger("n_head");
    if (hidden % heads != 0) {
      throw config.unsupported("n_head", "n_embd not divisible by n_head", "fix config.json");
    }
    int positions = config.positiveInteger("n_positions", config.positiveInteger("n_ctx", 1024));
    int inner = config.has("n_inner") ? config.positiveInteger("n_inner") : 4 * hidden;
    ModelConfig common =
        new ModelConfig(
            "gpt2",
            config.positiveInteger("vocab_size"),
            hidden,
            config.positiveInteger("n_layer"),
            heads,
            heads,
            hidden / heads,
            inner,
            positions,
            true,
            config.has("bos_token_id") ? config.integer("bos_token_id") : null,
            config.integers("eos_token_id"),
            AttentionVariant.from(config));
    return new Gpt2Config(
        common,
        positions,
        activation,
        config.positiveNumber("layer_norm_epsilon", 1e-5),
        config.bool("scale_attn_weights", true),
        config.bool("scale_attn_by_inverse_layer_idx", false));
  }
}
