package dev.iclab.tensor;

import ai.djl.ndarray.NDArray;

/**
 * A read-only observer of attention inside a forward pass. Models call it for the layers it {@link
 * #observes}; it must copy out what it keeps (the arrays are freed when the forward's scope closes)
 * and must not modify them.
 */
public interface AttentionObserver {

  /** Whether to call this observer for a layer; the model skips the work for other layers. */
  boolean observes(int layer);

  /**
   * Attention scores of one layer.
   *
   * @param queryOffset absolute position of the first query row (the KV cache length before it)
   * @param scores pre-softmax scores q.k * scale before masking, [batch, heads, queries, keys]
   * @param probs attention probabilities after mask and softmax, [batch, heads, queries, keys]
   */
  default void onAttention(int layer, int queryOffset, NDArray scores, NDArray probs) {}

  /**
   * The attention block's output: after the output projection, before the residual add.
   *
   * @param output [batch, queries, hidden]
   */
  default void onAttentionOutput(int layer, int queryOffset, NDArray output) {}
}
