package dev.iclab.tune;

import ai.djl.ndarray.NDArray;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.ModelConfig;
import java.util.Map;

/** Finds a model's input embedding table among its parameters. */
public final class Embeddings {
  private Embeddings() {}

  /** The first weight shaped [vocab, hidden] (every architecture loads its embedding first). */
  public static NDArray table(CausalLM model) {
    ModelConfig c = model.config();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      long[] shape = e.getValue().getShape().getShape();
      if (shape.length == 2 && shape[0] == c.vocabSize() && shape[1] == c.hiddenSize()) {
        return e.getValue();
      }
    }
    throw new IllegalStateException("model has no [vocab, hidden] embedding table");
  }
}
