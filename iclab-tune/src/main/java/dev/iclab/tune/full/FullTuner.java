package dev.iclab.tune.full;

import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.InPlaceTuner;
import dev.iclab.tune.TrainableParameter;

/**
 * Full fine-tuning: every weight of the model (tied ones once) trains in place. The model must be
 * loaded with owned weights ({@code ModelLoader.load(dir, device, true)}). Saves a Hugging Face
 * checkpoint.
 */
public final class FullTuner extends InPlaceTuner {
  public static final String PEFT_TYPE = "FULL";

  public FullTuner(CausalLM model, FullConfig config) {
    super(
        "full",
        PEFT_TYPE,
        model,
        model.parameters().entrySet().stream()
            .map(e -> TrainableParameter.of(e.getKey(), e.getValue()))
            .toList());
  }

  @Override
  public void close() {}
}
