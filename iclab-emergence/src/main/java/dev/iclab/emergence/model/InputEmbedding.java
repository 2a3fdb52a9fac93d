package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.iclab.tensor.Ops;

/**
 * Token vectors to model width: one linear layer over [item, one-hot label], computed as the item
 * part's product plus a lookup of the label's column (the one-hot product without building the
 * one-hot vectors, which with one label per class would be 65,536 wide). A token's last entry is
 * its label slot (label + 1, or 0 for none). For image items ({@code imageSide > 0}) the item part
 * first goes through the {@link ResNetEmbedder}, trained end to end, and tokens without an item
 * (label tokens) get a zero item embedding.
 */
final class InputEmbedding {
  private final ModelConfig config;
  private final ResNetEmbedder resnet; // null for vector items
  private final int itemWidth; // embedded item: the ResNet's output or the item vector
  private final NDArray weight; // [width, itemWidth + labels]
  private final NDArray bias; // [width]

  InputEmbedding(ParameterStore params, ModelConfig config) {
    this.config = config;
    this.resnet = config.imageSide() > 0 ? new ResNetEmbedder(params, config.imageSide()) : null;
    this.itemWidth = itemWidth(config);
    int in = itemWidth + config.labels();
    weight = params.normal("embed.weight", 1 / Math.sqrt(in), config.width(), in);
    bias = params.constant("embed.bias", 0f, config.width());
  }

  private static int itemWidth(ModelConfig config) {
    return config.imageSide() > 0 ? ResNetEmbedder.OUTPUT : config.inputDim() - 1;
  }

  /** Parameters of this embedding for a config. */
  static long parameterCount(ModelConfig config) {
    long linear = (long) config.width() * (itemWidth(config) + config.labels()) + config.width();
    return linear + (config.imageSide() > 0 ? ResNetEmbedder.parameterCount() : 0);
  }

  /**
   * @param inputs [batch, tokens, inputDim]: the item, then the label slot
   * @return [batch, tokens, width]
   */
  NDArray apply(NDArray inputs) {
    long batch = inputs.getShape().get(0);
    long tokens = inputs.getShape().get(1);
    int itemDim = config.inputDim() - 1;
    NDArray items = inputs.get(":, :, :" + itemDim); // [batch, tokens, itemDim]
    NDArray slots = inputs.get(":, :, " + itemDim).toType(DataType.INT64, false); // [batch, tokens]
    NDArray embeddedItems = items;
    if (resnet != null) {
      NDArray hasItem =
          items.abs().sum(new int[] {2}, true).gt(0f).toType(items.getDataType(), false);
      embeddedItems =
          resnet
              .embed(items.reshape(batch * tokens, itemDim)) // [batch * tokens, 64]
              .reshape(batch, tokens, ResNetEmbedder.OUTPUT)
              .mul(hasItem); // [batch, tokens, 64], zero on label tokens
    }
    NDArray itemWeight = weight.get(":, :" + itemWidth); // [width, itemWidth]
    NDArray labelColumns = weight.get(":, " + itemWidth + ":").transpose(); // [labels, width]
    NDArray noLabel = inputs.getManager().zeros(new Shape(1, config.width()));
    NDArray table = NDArrays.concat(new NDList(noLabel, labelColumns), 0); // [1 + labels, width]
    NDArray labels =
        Embedding.embedding(slots, table, SparseFormat.DENSE)
            .singletonOrThrow(); // [batch, tokens, width]
    return Ops.linear(embeddedItems, itemWeight, bias).add(labels); // [batch, tokens, width]
  }
}
