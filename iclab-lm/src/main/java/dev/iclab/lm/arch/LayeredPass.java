package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;

/**
 * A forward pass taken apart at its layer boundaries, for training that recomputes layers
 * (activation checkpointing): a caller runs the layers without recording gradients, keeps only each
 * layer's input, and later runs one layer at a time again with gradients. Every method may be
 * called any number of times, in any order, while the pass's scope is open; the arrays a layer
 * makes belong to its input's manager, so running a layer on an input in a child manager and
 * closing that manager frees the layer's intermediates.
 *
 * <p>{@code logits(layer(n-1, ... layer(0, embeddings())))} equals {@link CausalLM#forward} with
 * the same options.
 */
public interface LayeredPass {
  /**
   * The input of layer 0, [batch, seq, hidden]: token embeddings after the input prefix and
   * position embeddings. Computed once, when the pass was made (with gradients if they were being
   * recorded then).
   */
  NDArray embeddings();

  int numLayers();

  /** Decoder layer {@code index}: [batch, seq, hidden] -> [batch, seq, hidden]. */
  NDArray layer(int index, NDArray hidden);

  /**
   * The final norm and vocabulary projection with the options' output selection: [batch, seq,
   * hidden] -> [batch, tokens or rows or 1, vocab].
   */
  NDArray logits(NDArray hidden);
}
