package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A {@link DecoderModel}'s pass after its set-up (positions, masks, rotary tables, embeddings): its
 * layers and head, callable in any order and more than once. {@link DecoderModel#forward} runs it
 * straight through; {@link DecoderModel#layered} hands it out.
 */
final class DecoderPass implements LayeredPass {
  private final DecoderModel model;
  private final DecoderModel.Step step;
  private final NDArray embeddings; // [batch, seq, hidden]
  private final int seq;
  private final int prefix;
  private final ForwardOptions options;

  DecoderPass(
      DecoderModel model,
      DecoderModel.Step step,
      NDArray embeddings,
      int seq,
      int prefix,
      ForwardOptions options) {
    this.model = model;
    this.step = step;
    this.embeddings = embeddings;
    this.seq = seq;
    this.prefix = prefix;
    this.options = options;
  }

  DecoderModel.Step step() {
    return step;
  }

  /** Positions of the pass's input (soft prefix included). */
  int seq() {
    return seq;
  }

  @Override
  public NDArray embeddings() {
    return embeddings;
  }

  @Override
  public int numLayers() {
    return model.config().numLayers();
  }

  @Override
  public NDArray layer(int index, NDArray hidden) {
    return model.layer(index, hidden, step);
  }

  @Override
  public NDArray logits(NDArray hidden) {
    NDManager scope = step.scope();
    if (options.outputRows() != null) {
      hidden = DecoderModel.rows(scope, hidden, prefix, options.outputRows()); // [batch, rows, h]
    } else if (options.lastOnly()) {
      hidden = hidden.get(":, -1:, :"); // [batch, 1, hidden]
    } else if (prefix > 0) {
      hidden = hidden.get(":, " + prefix + ":, :"); // [batch, tokens, hidden]
    }
    return model.logits(step, hidden); // [batch, tokens or rows or 1, vocab]
  }
}
