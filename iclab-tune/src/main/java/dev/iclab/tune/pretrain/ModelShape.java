package dev.iclab.tune.pretrain;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.tensor.MachineMemory;
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
    requireFits(arch, layers, hidden, context, vocab);
  }

  /**
   * Refuses, before anything is allocated, a shape whose largest matrix exceeds one Java array or
   * whose weights (created on the Java heap) or training state (weights, gradients and two AdamW
   * moments, FP32) exceed the memory there is; without it, a layer count in the billions ran for
   * minutes before an OutOfMemoryError.
   */
  private static void requireFits(String arch, int layers, int hidden, int context, int vocab) {
    double inner = arch.equals("gpt2") ? 4.0 * hidden : (8L * hidden / 3 + 15) / 16 * 16;
    double largest = Math.max(Math.max(vocab, context), Math.max(3.0 * hidden, inner)) * hidden;
    if (largest > Integer.MAX_VALUE - 8) {
      throw new ConfigException(
          "a %d x %d weight matrix would hold %.3g values, more than one array can (%d); lower --hidden"
              .formatted((long) (largest / hidden), hidden, largest, Integer.MAX_VALUE - 8));
    }
    double parameters = parameters(arch, layers, hidden, context, vocab, inner);
    long heap = Runtime.getRuntime().maxMemory();
    if (4 * parameters > heap) {
      throw new ConfigException(
          "a model of %.3g weights needs %s of Java heap to initialise but iclab has %s; lower --layers or --hidden (or raise -Xmx in ICLAB_JAVA_OPTS if the machine has the memory)"
              .formatted(parameters, MachineMemory.gib(4 * parameters), MachineMemory.gib(heap)));
    }
    long physical = MachineMemory.totalBytes();
    if (physical > 0 && 16 * parameters > physical) {
      throw new ConfigException(
          "training a model of %.3g weights needs about %s (weights, gradients and AdamW moments in FP32) but this machine has %s; lower --layers or --hidden"
              .formatted(
                  parameters, MachineMemory.gib(16 * parameters), MachineMemory.gib(physical)));
    }
  }

  /** The weight count, in double so that absurd sizes cannot overflow. */
  private static double parameters(
      String arch, int layers, int hidden, int context, int vocab, double inner) {
    double h = hidden;
    double perLayer = 4 * h * h + 3 * h * inner + 2 * h; // attention, MLP, norms
    if (arch.equals("gpt2")) {
      perLayer = 4 * h * h + 2 * h * inner + 9 * h + inner; // Conv1D weights and biases, norms
      return (double) vocab * h + (double) context * h + layers * perLayer + 2 * h;
    }
    return (double) vocab * h + layers * perLayer + h;
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
