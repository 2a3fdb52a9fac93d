package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
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
   * {@link #apply(NDArray)}; with {@code overwrite} (a packed pass outside autograd) and no
   * adapter, the bias is added to the product in place instead of into a new array (the same
   * values), and a large widening product of a few rows fewer than {@link #MIN_ROWS} runs on that
   * many.
   */
  public NDArray apply(NDArray x, boolean overwrite) {
    return overwrite && adapter == null ? product(x, true) : apply(x);
  }

  /** The projection with the stored weights only. */
  public NDArray applyBase(NDArray x) {
    return product(x, false);
  }

  /**
   * A packed pass's MLP-widening Conv1D products (out at least 4 in, at least {@value #LARGE}
   * weights) with {@code 3/4} of this many rows or more, but fewer, run on this many rows (zeros
   * appended, their results dropped): on the CPU the benchmarks ran on (Xeon with AVX-512, the
   * engine's MKL, one thread) the product of GPT-2-small's [768, 3072] {@code c_fc} weight was
   * markedly cheaper per row from 192 rows on than below, so 168 rows padded to 192 cost less than
   * 168. The [768, 2304] {@code c_attn} product showed no such step, so padding it only added rows
   * (docs/BENCHMARKS.md, packed scoring). Rows are independent, so the kept rows are those of the
   * unpadded product within float rounding.
   */
  static final int MIN_ROWS = 192;

  private static final long LARGE = 1L << 20;

  private NDArray product(NDArray x, boolean overwrite) {
    NDArray weight = weight();
    if (!inputMajor) {
      return Ops.linear(x, weight, bias);
    }
    NDArray y = overwrite && padsRows(x) ? paddedProduct(x, weight) : x.matMul(weight);
    return bias == null ? y : overwrite ? y.addi(bias) : y.add(bias); // [..., out]
  }

  private boolean padsRows(NDArray x) {
    long rows = x.size() / inFeatures();
    return !x.getDevice().isGpu() // a CPU BLAS's threshold, measured on one CPU
        && outFeatures() >= 4 * inFeatures()
        && inFeatures() * outFeatures() >= LARGE
        && rows >= MIN_ROWS * 3 / 4
        && rows < MIN_ROWS;
  }

  /** x [..., in] times weight [in, out] on {@link #MIN_ROWS} rows: [..., out]. */
  private NDArray paddedProduct(NDArray x, NDArray weight) {
    Shape shape = x.getShape();
    long in = inFeatures();
    long rows = x.size() / in;
    NDArray zeros = x.getManager().zeros(new Shape(MIN_ROWS - rows, in), x.getDataType());
    NDArray padded = NDArrays.concat(new NDList(x.reshape(rows, in), zeros), 0); // [MIN_ROWS, in]
    NDArray y = padded.matMul(weight).get(new NDIndex(":{}", rows)); // [rows, out], contiguous
    long[] out = shape.getShape();
    out[out.length - 1] = outFeatures();
    return y.reshape(new Shape(out));
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
