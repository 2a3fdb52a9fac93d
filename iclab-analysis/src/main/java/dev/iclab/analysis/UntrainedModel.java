package dev.iclab.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.iclab.lm.arch.CausalLM;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deutch et al.'s control: the same architecture with random weights. Overwrites a trainable
 * model's weights in place the way Hugging Face initialises a fresh model: normalisation weights 1,
 * biases 0, every other weight (embeddings, projections) normal with standard deviation {@code
 * initializer_range}. (HF's extra down-scaling of GPT-2's residual projections is not applied.) The
 * same seed gives the same weights, so a base copy and a fine-tuned copy start identical.
 */
public final class UntrainedModel {
  private UntrainedModel() {}

  /**
   * @param model loaded with {@code trainable = true} (weights in engine-owned memory)
   */
  public static void reinitialize(CausalLM model, double std, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      NDArray weight = e.getValue();
      String name = e.getKey();
      int size = Math.toIntExact(weight.getShape().size());
      float[] values = new float[size];
      if (isNormalisation(name)) {
        float fill = name.endsWith(".bias") ? 0f : 1f;
        java.util.Arrays.fill(values, fill);
      } else if (!name.endsWith(".bias")) {
        for (int i = 0; i < size; i++) {
          values[i] = (float) (random.nextGaussian() * std);
        }
      }
      if (weight.getDataType() != DataType.FLOAT32) {
        throw new IllegalStateException(name + " is " + weight.getDataType() + ", not float32");
      }
      weight.set(values);
    }
  }

  private static boolean isNormalisation(String name) {
    String n = name.toLowerCase(java.util.Locale.ROOT);
    return n.contains("norm") || n.contains(".ln_") || n.contains("ln_f.");
  }
}
