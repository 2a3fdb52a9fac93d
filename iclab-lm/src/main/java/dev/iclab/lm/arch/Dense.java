package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
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
  private final Shape shape;
  private final NDArray bias;
  private final boolean inputMajor;
  private NDArray weight; // null once released
  private Adapter adapter;

  private Dense(String name, NDArray weight, NDArray bias, boolean inputMajor) {
    this.name = name;
    this.weight = weight;
    this.shape = weight.getShape();
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

  /**
   * {@link #apply(NDArray)}; with {@code overwrite} (outside autograd) and no adapter, the bias is
   * added to the product in place instead of into a new array (the same values).
   */
  public NDArray apply(NDArray x, boolean overwrite) {
    return overwrite && adapter == null ? product(x, true) : apply(x);
  }

  /** The projection with the stored weights only. */
  public NDArray applyBase(NDArray x) {
    return product(x, false);
  }

  private NDArray product(NDArray x, boolean overwrite) {
    NDArray weight = weight();
    if (!inputMajor) {
      return Ops.linear(x, weight, bias);
    }
    NDArray y = x.matMul(weight); // [..., out]
    return bias == null ? y : overwrite ? y.addi(bias) : y.add(bias);
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

  /**
   * The stored weight: [out, in] for nn.Linear, [in, out] for GPT-2's Conv1D.
   *
   * @throws IllegalStateException after {@link #releaseWeight}
   */
  public NDArray weight() {
    if (weight == null) {
      throw new IllegalStateException(
          name + ": the weight was released (an adapter holds it in another form, e.g. QLoRA)");
    }
    return weight;
  }

  /**
   * Frees the stored weight's memory; only an adapter that keeps its own copy (QLoRA's 4-bit codes)
   * can compute the projection afterwards. The model's {@code parameters()} then list a closed
   * array under this name, so nothing may save or read the model's weights any more.
   */
  public void releaseWeight() {
    if (weight != null) {
      weight.close();
      weight = null;
    }
  }

  /** Whether {@link #releaseWeight} was called. */
  public boolean isReleased() {
    return weight == null;
  }

  /** The bias [out], or null. */
  public NDArray bias() {
    return bias;
  }

  /** Whether the weight is stored [in, out] (GPT-2's Conv1D). */
  public boolean isInputMajor() {
    return inputMajor;
  }

  /** The weight's stored shape (known after release too). */
  public Shape weightShape() {
    return shape;
  }

  public long inFeatures() {
    return shape.get(inputMajor ? 0 : 1);
  }

  public long outFeatures() {
    return shape.get(inputMajor ? 1 : 0);
  }
}
