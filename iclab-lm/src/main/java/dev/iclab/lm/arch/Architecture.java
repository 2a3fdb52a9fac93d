package dev.iclab.lm.arch;

import ai.djl.ndarray.NDManager;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;
import java.util.function.Function;

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
   * Loads the weights into {@code manager}, which the returned model then owns, telling {@code
   * listener} about each projection as soon as it is loaded.
   *
   * @throws dev.iclab.lm.ModelLoadException for a missing or misshapen tensor
   */
  CausalLM load(
      HfConfig config, Checkpoint checkpoint, NDManager manager, ProjectionListener listener);

  /** Builds a family's model from its typed config. */
  @FunctionalInterface
  interface ModelFactory<C> {
    CausalLM create(
        C config, Checkpoint checkpoint, NDManager manager, ProjectionListener listener);
  }

  /**
   * A family whose config.json reads into a typed config {@code C}.
   *
   * @param read maps config.json to {@code C}, rejecting what the family does not implement
   * @param common the common description within {@code C}
   * @param model builds the model
   */
  static <C> Architecture of(
      Function<HfConfig, C> read, Function<C, ModelConfig> common, ModelFactory<C> model) {
    return new Architecture() {
      @Override
      public ModelConfig describe(HfConfig config) {
        return common.apply(read.apply(config));
      }

      @Override
      public CausalLM load(
          HfConfig config, Checkpoint checkpoint, NDManager manager, ProjectionListener listener) {
        return model.create(read.apply(config), checkpoint, manager, listener);
      }
    };
  }
}
