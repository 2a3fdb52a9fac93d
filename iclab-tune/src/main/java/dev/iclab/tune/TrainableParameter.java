package dev.iclab.tune;

import ai.djl.ndarray.NDArray;

/**
 * One array a tuning method trains.
 *
 * @param name the name it is saved under (a Hugging Face weight name, or a PEFT tensor name)
 * @param array the array the forward pass reads; the optimizer updates it in place
 * @param gradientMask null, or a 0/1 array broadcastable to {@code array}: entries where it is 0
 *     never change (the q slice of a fused q/k/v projection in {@code kv} mode)
 * @param decay whether weight decay applies (AdamW)
 */
public record TrainableParameter(String name, NDArray array, NDArray gradientMask, boolean decay) {
  public TrainableParameter {
    if (array == null) {
      throw new IllegalArgumentException("trainable parameter " + name + " has no array");
    }
  }

  public static TrainableParameter of(String name, NDArray array) {
    return new TrainableParameter(name, array, null, true);
  }

  public long size() {
    return array.getShape().size();
  }
}
