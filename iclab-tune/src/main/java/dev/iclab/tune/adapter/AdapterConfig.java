package dev.iclab.tune.adapter;

import dev.iclab.lm.config.ConfigException;
import java.util.List;

/**
 * Bottleneck adapters (Houlsby et al. 2019): y + up(relu(down(y))) after the attention output and
 * MLP down projections.
 *
 * @param size bottleneck width (--adapter-size)
 * @param targets module names to wrap; {@link #DEFAULT_TARGETS} picks each architecture's attention
 *     output and MLP down projection
 */
public record AdapterConfig(int size, List<String> targets) {
  /** Attention output and MLP down projections of Llama/Qwen2/Mistral, GPT-2 and GPT-NeoX. */
  public static final List<String> DEFAULT_TARGETS =
      List.of(
          "self_attn.o_proj",
          "mlp.down_proj",
          "attn.c_proj",
          "mlp.c_proj",
          "attention.dense",
          "mlp.dense_4h_to_h");

  public AdapterConfig {
    if (size < 1) {
      throw new ConfigException("--adapter-size must be >= 1, got " + size);
    }
    targets = targets == null ? DEFAULT_TARGETS : List.copyOf(targets);
  }

  public AdapterConfig(int size) {
    this(size, null);
  }
}
