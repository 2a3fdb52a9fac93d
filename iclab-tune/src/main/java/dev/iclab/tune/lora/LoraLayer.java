package dev.iclab.tune.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.iclab.lm.arch.Dense;
import dev.iclab.tensor.Ops;

/**
 * The adapter LoRA installs on one projection: y = base(x) + scaling * B (A dropout(x)). The base
 * is the projection's own weights, or another adapter underneath (QLoRA's dequantised weights).
 */
public final class LoraLayer implements Dense.Adapter {
  private final Dense dense;
  private final NDArray a; // [r, in]
  private final NDArray b; // [out, r]
  private final double scaling;
  private final double dropout;
  private final Dense.Adapter base;
  private boolean training;

  LoraLayer(Dense dense, NDArray a, NDArray b, double scaling, double dropout, Dense.Adapter base) {
    this.dense = dense;
    this.a = a;
    this.b = b;
    this.scaling = scaling;
    this.dropout = dropout;
    this.base = base;
  }

  @Override
  public NDArray apply(NDArray x, Dense projection) {
    NDArray y = base == null ? projection.applyBase(x) : base.apply(x, projection); // [..., out]
    NDArray in = x;
    if (training && dropout > 0) {
      NDManager scope = x.getManager();
      NDArray keep =
          scope
              .randomUniform(0f, 1f, x.getShape())
              .gte((float) dropout)
              .toType(DataType.FLOAT32, false)
              .div((float) (1 - dropout)); // [..., in]
      in = x.mul(keep);
    }
    NDArray low = Ops.linear(in, a, null); // [..., r]
    return y.add(Ops.scale(Ops.linear(low, b, null), (float) scaling)); // [..., out]
  }

  public Dense dense() {
    return dense;
  }

  public NDArray a() {
    return a;
  }

  public NDArray b() {
    return b;
  }

  public double scaling() {
    return scaling;
  }

  /** The adapter underneath (QLoRA's quantised base), or null for the projection's own weights. */
  public Dense.Adapter base() {
    return base;
  }

  void setTraining(boolean value) {
    training = value;
  }
}
