package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in Hugging Face's rotate-half layout: within the first {@code dims}
 * dimensions of a head, dimension i is paired with i + dims/2 (not 2i with 2i+1); the remaining
 * dimensions pass through (GPT-NeoX's partial rotary).
 */
public final class Rotary {
  private final int dims;
  private final float[] inverseFrequencies; // [dims / 2]

  /**
   * @param inverseFrequencies theta_i for i in [0, dims/2), already scaled (see {@link
   *     RopeScaling})
   */
  public Rotary(int dims, float[] inverseFrequencies) {
    if (dims % 2 != 0 || inverseFrequencies.length != dims / 2) {
      throw new IllegalArgumentException(
          "rotary dims " + dims + " with " + inverseFrequencies.length + " frequencies");
    }
    this.dims = dims;
    this.inverseFrequencies = inverseFrequencies.clone();
  }

  /** Standard frequencies base^(-2i/dims). */
  public static float[] frequencies(int dims, double base) {
    float[] inv = new float[dims / 2];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = (float) (1.0 / Math.pow(base, (2.0 * i) / dims));
    }
    return inv;
  }

  public int dims() {
    return dims;
  }

  /** Cosine and sine for the given positions. */
  public record Tables(NDArray cos, NDArray sin) {}

  /**
   * @param positions [batch, seq] absolute positions (int64)
   * @return cos and sin, each [batch, 1, seq, dims]
   */
  public Tables tables(NDManager scope, NDArray positions) {
    Shape shape = positions.getShape();
    NDArray inv = scope.create(inverseFrequencies); // [dims/2]
    NDArray angles =
        positions
            .toType(DataType.FLOAT32, false)
            .reshape(shape.get(0), 1, shape.get(1), 1)
            .mul(inv); // [batch, 1, seq, dims/2]
    NDArray both = NDArrays.concat(new NDList(angles, angles), -1); // [batch, 1, seq, dims]
    return new Tables(both.cos(), both.sin());
  }

  /**
   * Rotates the first {@code dims} dimensions of every head.
   *
   * @param x [batch, heads, seq, headDim]
   * @return [batch, heads, seq, headDim]
   */
  public NDArray apply(NDArray x, Tables tables) {
    long headDim = x.getShape().get(3);
    NDArray rotated = headDim == dims ? x : x.get(":, :, :, :" + dims); // [b, h, t, dims]
    NDArray first = rotated.get(":, :, :, :" + dims / 2); // [b, h, t, dims/2]
    NDArray second = rotated.get(":, :, :, " + dims / 2 + ":"); // [b, h, t, dims/2]
    NDArray half = NDArrays.concat(new NDList(second.neg(), first), -1); // [b, h, t, dims]
    NDArray out = rotated.mul(tables.cos()).add(half.mul(tables.sin())); // [b, h, t, dims]
    if (headDim == dims) {
      return out;
    }
    NDArray pass = x.get(":, :, :, " + dims + ":"); // [b, h, t, headDim - dims]
    return NDArrays.concat(new NDList(out, pass), -1); // [b, h, t, headDim]
  }
}
