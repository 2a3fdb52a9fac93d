package dev.iclab.tune.ipt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.tune.AbstractTuner;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.TrainableParameter;
import java.nio.file.Path;
import java.util.List;

/**
 * A tuner view whose soft prompt is an array computed in the current scope (a reconstruction during
 * MSF): it lets {@link dev.iclab.tune.BatchLoss#batchLoss} run the LM with that prompt, gradients
 * flowing back into whatever computed it. It trains nothing itself and saves nothing.
 */
final class DecodedPrompt extends AbstractTuner {
  private final NDArray prompt; // [1, P, d]

  DecodedPrompt(CausalLM model, NDArray prompt) {
    super("decoded-prompt", "IPT_DECODED_PROMPT", model);
    this.prompt = prompt;
  }

  @Override
  public ForwardOptions forwardOptions(NDManager scope, int batch) {
    return ForwardOptions.NONE.prefix(prompt);
  }

  @Override
  public int virtualTokens() {
    return (int) prompt.getShape().get(1);
  }

  @Override
  public List<TrainableParameter> parameters() {
    return List.of();
  }

  @Override
  public void save(Path directory, BaseModel base) {
    throw new UnsupportedOperationException("a decoded prompt view is not saved");
  }

  @Override
  public void close() {}
}
