package dev.iclab.tune.qlora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.iclab.lm.arch.Dense;
import dev.iclab.tensor.Ops;
import dev.iclab.tensor.Tensors;
import dev.iclab.tune.Scoped;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One projection's weight held as NF4 codes (one uint8 per value) plus per-block absmax (or their
 * int8 codes and group scales under double quantisation); {@link #dequantize} rebuilds the FP32
 * weight in a pass's scope, and as a {@link Dense.Adapter} it computes the projection with it.
 */
public final class QuantizedWeight implements Dense.Adapter {
  private final Shape shape;
  private final int blocks;
  private final int blockSize;
  private final NDArray codes; // [blocks * blockSize] uint8
  private final NDArray levels; // [16, 1]
  private final NDArray absmax; // [blocks] fp32, or null
  private final NDArray absmaxCodes; // [blocks] int8, or null
  private final NDArray absmaxScales; // [groups * 256] fp32 (each scale repeated), or null
  private final float absmaxMean;

  /** Quantises {@code weight} (any float type, any layout) into arrays owned by {@code manager}. */
  static QuantizedWeight of(NDManager manager, NDArray weight, int blockSize, boolean doubleQuant) {
    return of(manager, weight, blockSize, doubleQuant, levels(manager));
  }

  /** As {@link #of(NDManager, NDArray, int, boolean)}, sharing a level table. */
  static QuantizedWeight of(
      NDManager manager, NDArray weight, int blockSize, boolean doubleQuant, NDArray levels) {
    try (NDManager local = manager.newSubManager()) {
      NDArray fp32 =
          weight.getDataType() == DataType.FLOAT32
              ? weight
              : Scoped.in(local, weight.toType(DataType.FLOAT32, true));
      // Read through a view of the engine's storage: toFloatArray would copy into a Java direct
      // buffer (returned only when the garbage collector collects it) and a heap array.
      FloatBuffer values = fp32.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
      return new QuantizedWeight(
          manager, Nf4.quantize(values, blockSize, doubleQuant), weight.getShape(), levels);
    }
  }

  /** The 16 NF4 levels as the [16, 1] table {@link #dequantize} looks codes up in. */
  static NDArray levels(NDManager manager) {
    return Tensors.copyOf(manager, Nf4.LEVELS, new Shape(16, 1));
  }

  QuantizedWeight(NDManager manager, Nf4.Quantized q, Shape shape, NDArray levels) {
    this.shape = shape;
    this.blockSize = q.blockSize();
    this.blocks = q.codes().length / q.blockSize();
    this.levels = levels;
    // Copied through the arrays' own storage, not DJL's create (see Tensors.copyOf).
    this.codes = Tensors.copyOf(manager, q.codes(), new Shape(q.codes().length), DataType.UINT8);
    if (q.absmaxCodes() == null) {
      absmax = Tensors.copyOf(manager, q.absmax(), new Shape(blocks));
      absmaxCodes = null;
      absmaxScales = null;
    } else {
      absmax = null;
      absmaxCodes = Tensors.copyOf(manager, q.absmaxCodes(), new Shape(blocks), DataType.INT8);
      float[] scales = new float[q.absmaxScales().length * Nf4.DOUBLE_QUANT_GROUP];
      for (int i = 0; i < scales.length; i++) {
        scales[i] = q.absmaxScales()[i / Nf4.DOUBLE_QUANT_GROUP];
      }
      absmaxScales = Tensors.copyOf(manager, scales, new Shape(scales.length));
    }
    this.absmaxMean = q.absmaxMean();
  }

  public int blockSize() {
    return blockSize;
  }

  /** Whether the absmax values are quantised too. */
  public boolean doubleQuant() {
    return absmaxCodes != null;
  }

  /** Bytes held on the device for this weight. */
  public long bytes() {
    long n = codes.getShape().size();
    return n
        + (absmax != null
            ? 4L * blocks
            : blocks + 4L * absmaxScales.getShape().size() / Nf4.DOUBLE_QUANT_GROUP);
  }

  /**
   * The FP32 weight in its stored layout, owned by {@code scope}. The intermediates (int64 indices,
   * gathered levels: 12 bytes per value) are freed at once, so a training step, whose scope lives
   * until its backward pass, keeps only the weights themselves.
   */
  public NDArray dequantize(NDManager scope) {
    try (NDManager local = scope.newSubManager()) {
      NDArray index =
          Scoped.in(local, codes.toType(DataType.INT64, false)).reshape(-1, 1); // [n, 1]
      NDArray values =
          Embedding.embedding(index, levels, SparseFormat.DENSE)
              .singletonOrThrow()
              .reshape(blocks, blockSize); // [blocks, blockSize]
      values = Scoped.in(local, values);
      NDArray scale; // [blocks]
      if (absmax != null) {
        scale = Scoped.use(local, absmax);
      } else {
        NDArray q = Scoped.in(local, absmaxCodes.toType(DataType.FLOAT32, false));
        NDArray s = Scoped.in(local, absmaxScales.get(":" + blocks));
        scale = q.mul(s).add(absmaxMean);
      }
      NDArray flat = values.mul(scale.reshape(blocks, 1)).reshape(-1); // [blocks * blockSize]
      NDArray weight = flat.get(":" + shape.size()).reshape(shape);
      weight.attach(scope); // the one array the pass keeps
      return weight;
    }
  }

  /** Computes the projection with the dequantised weight and the projection's own bias. */
  @Override
  public NDArray apply(NDArray x, Dense dense) {
    NDArray w = dequantize(x.getManager());
    NDArray bias = dense.bias();
    if (!dense.isInputMajor()) {
      return Ops.linear(x, w, bias); // w [out, in]
    }
    NDArray y = x.matMul(w); // w [in, out]
    return bias == null ? y : y.add(bias);
  }

  /** This weight as the adapter that computes its projection. */
  public Dense.Adapter adapter() {
    return this;
  }
}
