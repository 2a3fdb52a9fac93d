package dev.iclab.tune;

import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.peft.HfCheckpoints;
import java.nio.file.Path;
import java.util.List;

/**
 * A tuner that trains some of the model's own weights in place (no adapter), so what it saves is a
 * whole Hugging Face checkpoint: full fine-tuning and Dai et al.'s key/value tuning.
 */
public abstract class InPlaceTuner extends AbstractTuner {
  private final List<TrainableParameter> parameters;

  /** {@code parameters}: the weights that train; the subclass may still add to the list. */
  protected InPlaceTuner(
      String method, String peftType, CausalLM model, List<TrainableParameter> parameters) {
    super(method, peftType, model);
    this.parameters = parameters;
  }

  @Override
  public final List<TrainableParameter> parameters() {
    return parameters;
  }

  @Override
  public final void save(Path directory, BaseModel base) {
    HfCheckpoints.save(model, base.directory(), directory);
  }
}
