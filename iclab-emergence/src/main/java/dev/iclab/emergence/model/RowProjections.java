package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Attention projections of a transformer given per batch row: row {@code b} of a forward uses its
 * own fused {@code qkv} weight and bias in every layer instead of the model's. This runs many
 * differently fine-tuned copies of one model (Dai et al.'s K/V fine-tuning, one copy per episode)
 * in one batched forward and backward; the rows do not interact, so each row's result and gradient
 * are those of its copy run alone.
 *
 * @param weights per layer, [batch, 3 * width, width] (rows of Q, then K, then V, as {@code
 *     block.qkv.weight})
 * @param biases per layer, [batch, 3 * width]
 */
public record RowProjections(List<NDArray> weights, List<NDArray> biases) {
  public RowProjections {
    weights = List.copyOf(weights);
    biases = List.copyOf(biases);
    if (weights.size() != biases.size()) {
      throw new IllegalArgumentException(
          "%d weights but %d biases".formatted(weights.size(), biases.size()));
    }
  }

  /**
   * Layer {@code layer}'s projection of every row.
   *
   * @param h [batch, tokens, width]
   * @return [batch, tokens, 3 * width]
   */
  NDArray apply(int layer, NDArray h) {
    NDArray weight = weights.get(layer); // [batch, 3 width, width]
    NDArray bias = biases.get(layer); // [batch, 3 width]
    if (weight.getShape().get(0) != h.getShape().get(0)) {
      throw new IllegalArgumentException(
          "projections for %d rows, inputs of %d"
              .formatted(weight.getShape().get(0), h.getShape().get(0)));
    }
    return h.matMul(weight.transpose(0, 2, 1)).add(bias.expandDims(1));
  }
}
