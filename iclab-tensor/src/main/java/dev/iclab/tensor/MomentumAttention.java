package dev.iclab.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The momentum term of Dai et al.'s momentum attention, sum_{i<t} eta^(t-i) v_i, shared by the LM
 * runtime's architectures and the emergence lab's transformer (each adds it to its attention
 * output).
 *
 * <p>It is computed from the values the attention reads (the KV cache holds every earlier value),
 * as a decay matrix times the values: weights[t, i] = eta^(t-i) for the earlier keys the query may
 * see (the attention mask decides: padding and keys outside a sliding window get 0) and 0 for the
 * key at t itself and later ones. So full, batched and cached passes compute the same sum, and its
 * gradient flows to the values.
 */
public final class MomentumAttention {
  private MomentumAttention() {}

  /**
   * The decay weights of one forward pass, shared by its layers.
   *
   * @param mask the pass's additive attention mask [batch or 1, 1, queries, past + queries], or
   *     null when every earlier key is visible
   * @return [batch or 1, 1, queries, past + queries] float32, owned by {@code scope}
   */
  public static NDArray weights(NDManager scope, int queries, int past, NDArray mask, double eta) {
    int keys = past + queries;
    float[] decay = new float[queries * keys];
    for (int q = 0; q < queries; q++) {
      for (int k = 0; k < past + q; k++) { // earlier positions only: distance >= 1
        decay[q * keys + k] = (float) Math.pow(eta, past + q - k);
      }
    }
    NDArray weights = scope.create(decay, new Shape(1, 1, queries, keys)); // [1, 1, q, k]
    if (mask == null) {
      return weights;
    }
    NDArray visible = mask.gt(Ops.MASKED / 2).toType(DataType.FLOAT32, false); // [b|1, 1, q, k]
    return weights.mul(visible); // [batch or 1, 1, queries, keys]
  }

  /**
   * The momentum term per query head.
   *
   * @param weights from {@link #weights}
   * @param values [batch, kvHeads, keys, headDim], the keys' values the attention read
   * @param heads number of query heads (a multiple of kvHeads; grouped heads share their term)
   * @return [batch, heads, queries, headDim]
   */
  public static NDArray term(NDArray weights, NDArray values, long heads) {
    NDArray sum = weights.matMul(values); // [batch, kvHeads, queries, headDim]
    long kvHeads = values.getShape().get(1);
    return heads == kvHeads ? sum : sum.repeat(1, heads / kvHeads); // [b, heads, q, headDim]
  }
}
