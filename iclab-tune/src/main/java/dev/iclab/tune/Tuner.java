package dev.iclab.tune;

import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * A fine-tuning method attached to a loaded model: it owns the arrays it adds (in a child manager
 * of the model's), installs its adapters on the model's projections, and says which arrays train.
 * Closing it removes its adapters and frees what it added; the model's own weights stay as they are
 * (full and kv tuning change them in place).
 */
public interface Tuner extends AutoCloseable {
  /** The method name used by {@code iclab tune --method} (full, lora, kv, ...). */
  String method();

  /**
   * The registry key, PEFT's {@code peft_type} where PEFT has the method (LORA, PREFIX_TUNING...).
   */
  String peftType();

  CausalLM model();

  /** The arrays the optimizer updates, in a fixed order. */
  List<TrainableParameter> parameters();

  /**
   * Options for a forward pass of {@code batch} rows; prompt and prefix tuning add their soft
   * prefix here, built in {@code scope} so that nothing outlives the pass.
   */
  default ForwardOptions forwardOptions(NDManager scope, int batch) {
    return ForwardOptions.NONE;
  }

  /** Positions the method puts before the tokens (they count against the context window). */
  default int virtualTokens() {
    return 0;
  }

  /** Whether dropout (LoRA) is active; trainers switch it on, evaluation off. */
  default void setTraining(boolean training) {}

  /**
   * Writes what was trained to {@code directory} (which exists and is empty): a PEFT adapter, or a
   * full Hugging Face checkpoint for methods that change the base weights.
   *
   * @param base the base model: its name (recorded as base_model_name_or_path) and directory
   *     (config.json and tokenizer files are copied from it for full checkpoints)
   */
  void save(Path directory, BaseModel base);

  @Override
  void close();
}
