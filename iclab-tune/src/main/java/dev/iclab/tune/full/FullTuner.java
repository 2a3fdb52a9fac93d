package dev.iclab.tune.full;

import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.AbstractTuner;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.peft.HfCheckpoints;
import java.nio.file.Path;
import java.util.List;

/**
 * Full fine-tuning: every weight of the model (tied ones once) trains in place. The model must be
 * loaded with owned weights ({@code ModelLoader.load(dir, device, true)}). Saves a Hugging Face
 * checkpoint.
 */
public final class FullTuner extends AbstractTuner {
  public static final String PEFT_TYPE = "FULL";

  private final List<TrainableParameter> parameters;

  public FullTuner(CausalLM model, FullConfig config) {
    super("full", PEFT_TYPE, model);
    this.parameters =
        model.parameters().entrySet().stream()
            .map(e -> TrainableParameter.of(e.getKey(), e.getValue()))
            .toList();
  }

  @Override
  public List<TrainableParameter> parameters() {
    return parameters;
  }

  @Override
  public void save(Path directory, BaseModel base) {
    HfCheckpoints.save(model, base.directory(), directory);
  }

  @Override
  public void close() {}
}
