package dev.iclab.tune.lora;

import dev.iclab.lm.config.ConfigException;
import java.util.List;

/**
 * LoRA (Hu et al. 2021): y = W x + (alpha / r) B A dropout(x) on the named projections.
 *
 * @param rank r, the inner dimension of B A
 * @param alpha scaling numerator (PEFT's lora_alpha)
 * @param dropout dropout on the adapter's input during training, in [0, 1)
 * @param targets module names (q_proj, c_attn...) or full module paths, as PEFT's target_modules
 * @param init how A starts: KAIMING_UNIFORM (PEFT's default) or GAUSSIAN (std 1/r, PEFT's
 *     "gaussian"); B always starts at zero, so a fresh adapter is the identity
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targets, Init init) {
  public enum Init {
    KAIMING_UNIFORM,
    GAUSSIAN
  }

  public LoraConfig {
    if (rank < 1) {
      throw new ConfigException("LoRA rank (--lora-r) must be >= 1, got " + rank);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new ConfigException("--lora-alpha must be > 0, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new ConfigException("--lora-dropout must be in [0, 1), got " + dropout);
    }
    if (targets == null || targets.isEmpty() || targets.stream().anyMatch(String::isBlank)) {
      throw new ConfigException(
          "LoRA needs target modules (--target), e.g. q_proj,v_proj for Llama or c_attn for GPT-2; got "
              + targets);
    }
    targets = List.copyOf(targets);
  }

  public LoraConfig(int rank, double alpha, double dropout, List<String> targets) {
    this(rank, alpha, dropout, targets, Init.KAIMING_UNIFORM);
  }

  public double scaling() {
    return alpha / rank;
  }
}
