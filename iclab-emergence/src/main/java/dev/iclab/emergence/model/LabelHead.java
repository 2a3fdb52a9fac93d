package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import dev.iclab.tensor.Ops;

/**
 * A model's label head: logits = features x weight^T + bias. Exposed so that a trainer can compute
 * the loss of a very wide head (one label per class: 65,536 labels) chunk by chunk instead of
 * through the whole [rows, labels] logits.
 *
 * @param weight [labels, features]
 * @param bias [labels]
 */
public record LabelHead(NDArray weight, NDArray bias) {

  /**
   * @param features [..., features]
   * @return [..., labels]
   */
  public NDArray apply(NDArray features) {
    return Ops.linear(features, weight, bias);
  }

  public long labels() {
    return weight.getShape().get(0);
  }
}
