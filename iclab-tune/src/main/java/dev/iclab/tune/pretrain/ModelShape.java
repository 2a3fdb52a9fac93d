package dev.iclab.tune.pretrain;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.ConfigException;
import java.util.List;

/**
 * The shape of a model trained from scratch, and its Hugging Face config.json.
 *
 * @param arch llama (RMSNorm, rotary, SwiGLU, tied embeddings) or gpt2 (LayerNorm, learned
 *     positions, GELU)
 * @param context the context window (max_position_embeddings / n_positions) and the training
 *     sequence length
 * @param vocab the tokenizer's vocabulary size
 * @param bosTokenId the tokenizer's BOS id, or -1
 * @param eosTokenIds the tokenizer's EOS ids
 */
public record ModelShape(
    String arch,
    int layers,
    int hidden,
    int heads,
    int context,
    int vocab,
    int bosTokenId,
    List<Integer> eosTokenIds,
    AttentionVariant attention) {
  public static final List<String> ARCHITECTURES = List.of("llama", "gpt2");

  public ModelShape {
    if (!ARCHITECTURES.contains(arch)) {
      throw new ConfigException(
          "--arch must be one of %s, got '%s'".formatted(ARCHITECTURES, arch));
    }
    if (layers < 1 || hidden < 1 || heads < 1) {
      throw new ConfigException(
          "--layers, --hidden and --heads must be >= 1; got %d, %d, %d"
              .formatted(layers, hidden, heads));
    }
    if (hidden % heads != 0) {
      throw new ConfigException(
          "--hidden %d is not divisible by --heads %d; choose e.g. --hidden %d"
              .formatted(hidden, heads, (hidden / heads + 1) * heads));
    }
    if (arch.equals("llama") && (hidden / heads) % 2 != 0) {
      throw new ConfigException(
          "llama's rotary embedding needs an even head size, but --hidden %d / --heads %d = %d; change one of them"
              .formatted(hidden, heads, hidden / heads));
    }
    if (context < 2) {
      throw new ConfigException("--context must be >= 2 tokens, got " + context);
    }
    if (vocab < 2) {
      throw new ConfigException("the tokenizer's vocabulary has " + vocab + " tokens; need >= 2");
    }
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Llama's SwiGLU width: 8/3 of hidden rounded up to a multiple of 16 (GPT-2: 4 x hidden). */
  public int intermediate() {
    return arch.equals("gpt2") ? 4 * hidden : (8 * hidden / 3 + 15) / 16 * 16;
  }

  /** The config.json of a model of this shape. */
  public ObjectNode configJson() {
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    c.put("model_type", arch);
    if (arch.equals("gpt2")) {
      c.putArray("architectures").add("GPT2LMHeadModel");
      c.put("n_layer", layers);
      c.put("n_embd", hidden);
      c.put("n_head", heads);
      c.put("n_positions", context);
      c.put("n_ctx", context);
      c.put("activation_function", "gelu_new");
      c.put("layer_norm_epsilon", 1e-5);
    } else {
      c.putArray("architectures").add("LlamaForCausalLM");
      c.put("num_hidden_layers", layers);
      c.put("hidden_size", hidden);
      c.put("num_attention_heads", heads);
      c.put("num_key_value_heads", heads);
      c.put("intermediate_size", intermediate());
      c.put("max_position_embeddings", context);
      c.put("hidden_act", "silu");
      c.put("rms_norm_eps", 1e-5);
      c.put("rope_theta", 10000.0);
      c.put("tie_word_embeddings", true);
    }
    c.put("vocab_size", vocab);
    if (bosTokenId >= 0) {
      c.put("bos_token_id", bosTokenId);
    }
    if (eosTokenIds.size() == 1) {
      c.put("eos_token_id", eosTokenIds.get(0));
    } else if (!eosTokenIds.isEmpty()) {
      var ids = c.putArray("eos_token_id");
      eosTokenIds.forEach(ids::add);
    }
    c.put("initializer_range", FreshModel.STD);
    c.put("torch_dtype", "float32");
    attention.writeTo(c);
    return c;
  }
}
