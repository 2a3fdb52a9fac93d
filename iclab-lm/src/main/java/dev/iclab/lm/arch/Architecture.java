package dev.iclab.lm.arch;

import ai.djl.ndarray.NDManager;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;

/** One model family: reads its config.json and builds the model from a checkpoint. */
public interface Architecture {
  /**
   * Maps config.json to the common description, rejecting settings this architecture does not
   * implement.
   *
   * @throws dev.iclab.lm.config.ConfigException naming the key
   */
  ModelConfig describe(HfConfig config);

  /**
   * Loads the weights into {@code manager}, which the returned model then owns.
   *
   * @throws dev.iclab.lm.ModelLoadException for a missing or misshapen tensor
   */
  CausalLM load(HfConfig config, Checkpoint checkpoint, NDManager manager);
}
