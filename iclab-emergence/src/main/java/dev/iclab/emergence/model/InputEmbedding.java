package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import dev.iclab.tensor.Ops;

/**
 * Token vectors to model width. For vector items one linear layer reads [item, one-hot label]; for
 * image items ({@code imageSide > 0}) the item part first goes through the {@link ResNetEmbedder},
 * trained end to end, and tokens without an item (label tokens) get a zero item embedding.
 */
final class InputEmbedding {
  private final ModelConfig config;
  private final ResNetEmbedder resnet; // null for vector items
  private final NDArray weight; // [width, embedded item + labels]
  private final NDArray bias; // [width]

  InputEmbedding(ParameterStore params, ModelConfig config) {
    this.config = config;
    this.resnet = config.imageSide() > 0 ? new ResNetEmbedder(params, config.imageSide()) : null;
    int in = linearInput(config);
    weight = params.normal("embed.weight", 1 / Math.sqrt(in), config.width(), in);
    bias = params.constant("embed.bias", 0f, config.width());
  }

  private static int linearInput(ModelConfig config) {
    return config.imageSide() > 0 ? ResNetEmbedder.OUTPUT + config.labels() : config.inputDim();
  }

  /** Parameters of this embedding for a config. */
  static long parameterCount(ModelConfig config) {
    long linear = (long) config.width() * linearInput(config) + config.width();
    return linear + (config.imageSide() > 0 ? ResNetEmbedder.parameterCount() : 0);
  }

  /**
   * @param inputs [batch, tokens, inputDim]
   * @return [batch, tokens, width]
   */
  NDArray apply(NDArray inputs) {
    if (resnet == null) {
      return Ops.linear(inputs, weight, bias); // [batch, tokens, width]
    }
    long batch = inputs.getShape().get(0);
    long tokens = inputs.getShape().get(1);
    int pixels = config.imageSide() * config.imageSide();
    NDArray items = inputs.get(":, :, :" + pixels); // [batch, tokens, pixels]
    NDArray labels = inputs.get(":, :, " + pixels + ":"); // [batch, tokens, labels]
    NDArray hasItem =
        items.abs().sum(new int[] {2}, true).gt(0f).toType(items.getDataType(), false);
    NDArray embedded =
        resnet
            .embed(items.reshape(batch * tokens, pixels)) // [batch * tokens, 64]
            .reshape(batch, tokens, ResNetEmbedder.OUTPUT)
            .mul(hasItem); // [batch, tokens, 64], zero on label tokens
    NDArray joined = NDArrays.concat(new ai.djl.ndarray.NDList(embedded, labels), 2);
    return Ops.linear(joined, weight, bias); // [batch, tokens, width]
  }
}
