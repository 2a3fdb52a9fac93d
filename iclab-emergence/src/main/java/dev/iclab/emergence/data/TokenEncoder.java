package dev.iclab.emergence.data;

/**
 * Turns a {@link Batch} into the model's input vectors. A token is [item (dim), label slot]: the
 * slot holds label + 1, or 0 for no label (an exact integer in float32 up to 2^24 labels). An item
 * token leaves the slot 0, a label token the item part zero, a paired token fills both, the query
 * token holds only its item. The model embeds a token as one linear layer over [item, one-hot
 * label] would, without building the one-hot part (see the model's InputEmbedding).
 */
public final class TokenEncoder {
  private final ItemSource items;
  private final TokenFormat format;

  /**
   * @param labels size of the label vocabulary (the slot holds label + 1 exactly in float32)
   */
  public TokenEncoder(ItemSource items, TokenFormat format, int labels) {
    if (labels < 1 || labels >= 1 << 24) {
      throw new IllegalArgumentException("labels must be in [1, 2^24), got " + labels);
    }
    this.items = items;
    this.format = format;
  }

  /** Width of one input vector: item dimension plus the label slot. */
  public int inputDim() {
    return items.dim() + 1;
  }

  public TokenFormat format() {
    return format;
  }

  /**
   * Encodes a batch.
   *
   * @param blankContext leave every context token zero (the 0-shot evaluation)
   * @return [batch, tokens, inputDim] row-major
   */
  public float[] encode(Batch batch, boolean blankContext) {
    int pairs = batch.pairs();
    int tokens = format.tokens(pairs);
    int width = inputDim();
    int dim = items.dim();
    float[] out = new float[batch.size() * tokens * width];
    for (int b = 0; b < batch.size(); b++) {
      int sequence = b * tokens * width;
      if (!blankContext) {
        for (int i = 0; i < pairs; i++) {
          int itemToken = format == TokenFormat.INTERLEAVED ? 2 * i : i;
          int labelToken = format == TokenFormat.INTERLEAVED ? 2 * i + 1 : i;
          int cls = batch.contextClass()[b * pairs + i];
          long drawSeed = batch.itemSeeds()[b * (pairs + 1) + i];
          items.item(cls, batch.holdout(), drawSeed, out, sequence + itemToken * width);
          out[sequence + labelToken * width + dim] = batch.contextLabel()[b * pairs + i] + 1;
        }
      }
      long querySeed = batch.itemSeeds()[b * (pairs + 1) + pairs];
      int queryOffset = sequence + (tokens - 1) * width;
      items.item(batch.queryClass()[b], batch.holdout(), querySeed, out, queryOffset);
    }
    return out;
  }
}
