package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import dev.iclab.tensor.Ops;

/**
 * A linear projection. Holds the checkpoint's own arrays (owned by the model's manager) in their
 * stored layout, so gradients and saving see the Hugging Face tensors themselves.
 */
public final class Dense {
  private final NDArray weight;
  private final NDArray bias;
  private final boolean inputMajor;

  private Dense(NDArray weight, NDArray bias, boolean inputMajor) {
    this.weight = weight;
    this.bias = bias;
    this.inputMajor = inputMajor;
  }

  /** nn.Linear layout: weight [out, in]; bias [out] or null. */
  public static Dense linear(NDArray weight, NDArray bias) {
    return new Dense(weight, bias, false);
  }

  /** GPT-2's Conv1D layout: weight [in, out]; bias [out]. */
  public static Dense conv1d(NDArray weight, NDArray bias) {
    return new Dense(weight, bias, true);
  }

  /**
   * @param x [..., in]
   * @return [..., out]
   */
  public NDArray apply(NDArray x) {
    if (!inputMajor) {
      return Ops.linear(x, weight, bias);
    }
    NDArray y = x.matMul(weight); // [..., out]
    return bias == null ? y : y.add(bias);
  }

  public NDArray weight() {
    return weight;
  }

  public NDArray bias() {
    return bias;
  }
}
