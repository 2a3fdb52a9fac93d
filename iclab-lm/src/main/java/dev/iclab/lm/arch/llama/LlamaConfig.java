package dev.iclab.lm.arch.llama;

import dev.iclab.lm.arch.RopeScaling;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.tensor.Ops;

/**
 * Llama-family config.json (llama, qwen2, mistral), mapped in one place.
 *
 * @param attentionBias whether q/k/v projections have biases (Qwen2 always; Llama per
 *     attention_bias, which also gives o_proj a bias)
 * @param outputBias whether o_proj has a bias
 * @param slidingWindow Mistral's window, or Integer.MAX_VALUE
 * @param inverseFrequencies rotary frequencies after rope scaling
 */
public record LlamaConfig(
    ModelConfig common,
    String activation,
    double rmsNormEps,
    boolean attentionBias,
    boolean outputBias,
    boolean mlpBias,
    int slidingWindow,
    float[] inverseFrequencies) {

  public LlamaConfig {
    inverseFrequencies = inverseFrequencies.clone();
  }

  public static LlamaConfig from(HfConfig config, String modelType) {
    int hidden = config.positiveInteger("hidden_size");
    int heads = config.positiveInteger("num_attention_heads");
    int kvHeads = config.positiveInteger("num_key_value_heads", heads);
    if (!config.has("head_dim") && hidden % heads != 0) {
      throw config.unsupported(
          "num_attention_heads",
          "hidden_size %d is not divisible by it".formatted(hidden),
          "fix config.json, or give head_dim");
    }
    int headDim = config.positiveInteger("head_dim", hidden / heads);
    if (headDim % 2 != 0) {
      throw new ConfigException(
          "%s: the head size is %d, which the rotary embedding cannot split into pairs; fix hidden_size / num_attention_heads or head_dim so that it is even"
              .formatted(config.path(), headDim));
    }
    String activation = config.string("hidden_act", "silu");
    if (!Ops.isSupportedActivation(activation)) {
      throw config.unsupported(
          "hidden_act", "activation " + activation, "use silu, gelu, gelu_new or relu");
    }
    boolean qkvBias;
    boolean outputBias;
    int window = Integer.MAX_VALUE;
    switch (modelType) {
      case "qwen2":
        qkvBias = true;
        outputBias = false;
        if (config.bool("use_sliding_window", false)) {
          throw config.unsupported(
              "use_sliding_window",
              "Qwen2's per-layer sliding window (max_window_layers)",
              "set use_sliding_window to false (the released Qwen2 checkpoints do)");
        }
        break;
      case "mistral":
        qkvBias = false;
        outputBias = false;
        window = config.has("sliding_window") ? config.positiveInteger("sliding_window") : window;
        break;
      default:
        qkvBias = config.bool("attention_bias", false);
        outputBias = qkvBias;
    }
    int contextLength = config.positiveInteger("max_position_embeddings", 2048);
    ModelConfig common =
        new ModelConfig(
            modelType,
            config.positiveInteger("vocab_size"),
            hidden,
            config.positiveInteger("num_hidden_layers"),
            heads,
            kvHeads,
            headDim,
            config.positiveInteger("intermediate_size"),
            contextLength,
            config.bool("tie_word_embeddings", false),
            config.has("bos_token_id") ? config.integer("bos_token_id") : null,
            config.integers("eos_token_id"),
            AttentionVariant.from(config));
    double theta = config.positiveNumber("rope_theta", 10000.0);
    return new LlamaConfig(
        common,
        activation,
        config.positiveNumber("rms_norm_eps", 1e-6),
        qkvBias,
        outputBias,
        config.bool("mlp_bias", false),
        window,
        RopeScaling.frequencies(config, headDim, theta));
  }
}
