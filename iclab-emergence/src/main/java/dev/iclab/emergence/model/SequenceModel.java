package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.tensor.AttentionObserver;

/**
 * A model that reads a sequence of token vectors and predicts labels. Weights live in a model-level
 * manager the model owns and frees on {@link #close}; outputs belong to the inputs' manager.
 */
public interface SequenceModel extends AutoCloseable {

  ModelConfig config();

  ParameterStore parameters();

  /**
   * What the label head reads: the final hidden state at the predicted positions.
   *
   * @param inputs [batch, tokens, inputDim], in a per-step manager
   * @param positions which token positions to predict from: {@code -1} for the last (query) only,
   *     or a step such as 2 (every item token of the interleaved format)
   * @param observer attention hooks, or null (recurrent models never call it)
   * @param projections every row's own attention projections ({@link RowProjections}), or null for
   *     the model's own
   * @return [batch, features] for the query only, else [batch, predictions, features]
   * @throws UnsupportedOperationException for projections on a model without attention
   */
  NDArray features(
      NDArray inputs, int positions, AttentionObserver observer, RowProjections projections);

  /** The label head that turns {@link #features} into logits. */
  LabelHead head();

  /**
   * Label logits: the {@link #head} applied to the {@link #features}.
   *
   * @return [batch, labels] for the query only, else [batch, predictions, labels]
   */
  default NDArray logits(NDArray inputs, int positions, AttentionObserver observer) {
    return logits(inputs, positions, observer, null);
  }

  /**
   * Label logits with every row's own attention projections ({@link RowProjections}); {@code null}
   * projections: the model's own, as {@link #logits(NDArray, int, AttentionObserver)}.
   *
   * @throws UnsupportedOperationException for a model without attention
   */
  default NDArray logits(
      NDArray inputs, int positions, AttentionObserver observer, RowProjections projections) {
    return head().apply(features(inputs, positions, observer, projections));
  }

  /** The model-level manager (for the optimizer's state). */
  NDManager manager();

  @Override
  void close();

  /** Builds a freshly initialised model of the given architecture in a new child manager. */
  static SequenceModel create(ModelConfig config, NDManager parent, long seed) {
    NDManager manager = parent.newSubManager();
    return switch (config.arch()) {
      case TRANSFORMER -> new Transformer(config, manager, seed);
      case LSTM, RNN -> new Recurrent(config, manager, seed);
    };
  }
}
