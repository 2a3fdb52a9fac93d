package dev.iclab.emergence.data;

/**
 * Turns a {@link Batch} into the model's input vectors. A token is [item (dim), one-hot label
 * (labels)]: an item token leaves the label part zero, a label token the item part, a paired token
 * fills both, the query token holds only its item. One linear layer then embeds every kind.
 */
public final class TokenEncoder {
  private final ItemSource items;
  private final TokenFormat format;
  private final int labels;

  public TokenEncoder(ItemSource items, TokenFormat format, int labels) {
    this.items = items;
    this.format = format;
    this.labels = labels;
  }

  /** Width of one input vector: item dimension plus one-hot labels. */
  public int inputDim() {
    return items.dim() + labels;
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
          out[sequence + labelToken * width + dim + batch.contextLabel()[b * pairs + i]] = 1f;
        }
      }
      long querySeed = batch.itemSeeds()[b * (pairs + 1) + pairs];
      int queryOffset = sequence + (tokens - 1) * width;
      items.item(batch.queryClass()[b], batch.holdout(), querySeed, out, queryOffset);
    }
    return out;
  }
}
