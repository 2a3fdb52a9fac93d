package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import dev.iclab.tensor.Ops;

/**
 * A linear projection of the model, addressed by its Hugging Face module path (e.g. {@code
 * model.layers.0.self_attn.q_proj}). Holds the checkpoint's own arrays (owned by the model's
 * manager) in their stored layout, so gradients and saving see the Hugging Face tensors themselves.
 *
 * <p>An {@link Adapter} can take over the projection (LoRA, bottleneck adapters, quantised
 * weights); it decides whether and how to use the base projection.
 */
public final class Dense {
  /** Replaces a projection's computation; {@code base.applyBase(x)} gives the original output. */
  @FunctionalInterface
  public interface Adapter {
    /**
     * @param x [..., in]
     * @return [..., out]
     */
    NDArray apply(NDArray x, Dense base);
  }

  private final String name;
  private final NDArray weight;
  private final NDArray bias;
  private final boolean inputMajor;
  private Adapter adapter;

  private Dense(String name, NDArray weight, NDArray bias, boolean inputMajor) {
    this.name = name;
    this.weight = weight;
    this.bias = bias;
    this.inputMajor = inputMajor;
  }

  /** nn.Linear layout: weight [out, in]; bias [out] or null. */
  public static Dense linear(String name, NDArray weight, NDArray bias) {
    return new Dense(name, weight, bias, false);
  }

  /** GPT-2's Conv1D layout: weight [in, out]; bias [out]. */
  public static Dense conv1d(String name, NDArray weight, NDArray bias) {
    return new Dense(name, weight, bias, true);
  }

  /**
   * @param x [..., in]
   * @return [..., out], through the adapter when one is set
   */
  public NDArray apply(NDArray x) {
    return adapter == null ? applyBase(x) : adapter.apply(x, this);
  }

  /** The projection with the stored weights only. */
  public NDArray applyBase(NDArray x) {
    if (!inputMajor) {
      return Ops.linear(x, weight, bias);
    }
    NDArray y = x.matMul(weight); // [..., out]
    return bias == null ? y : y.add(bias);
  }

  /** Sets (or with null removes) the adapter. */
  public void setAdapter(Adapter newAdapter) {
    adapter = newAdapter;
  }

  public Adapter adapter() {
    return adapter;
  }

  /** The Hugging Face module path, without {@code .weight}. */
  public String name() {
    return name;
  }

  /** The stored weight: [out, in] for nn.Linear, [in, out] for GPT-2's Conv1D. */
  public NDArray weight() {
    return weight;
  }

  /** The bias [out], or null. */
  public NDArray bias() {
    return bias;
  }

  /** Whether the weight is stored [in, out] (GPT-2's Conv1D). */
  public boolean isInputMajor() {
    return inputMajor;
  }

  public long inFeatures() {
    return weight.getShape().get(inputMajor ? 0 : 1);
  }

  public long outFeatures() {
    return weight.getShape().get(inputMajor ? 1 : 0);
  }
}
