package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Attention of a {@link TokenTree} pass over a cached prefix, without the dense [tokens, prefix +
 * tokens] product: a token sees every prefix key (one product for all tokens, no mask unless a
 * sliding window reaches into the prefix) and, among the new tokens, only ancestors, which lie
 * fewer than {@code chunk} indices before it. So the new tokens are cut into chunks of that length
 * and each chunk attends to itself and the chunk before it ([chunks, chunk, 2 chunk] scores, with
 * the tree's mask), and one softmax runs over both parts. Equal to the dense masked attention
 * within float rounding; it saves the products with other queries' keys, which grow with the pass.
 */
final class TreeAttention {
  /**
   * Below this many tokens the dense product was as fast on a GPT-2-small shape (one thread: 0.44
   * vs 0.49 s for 168 tokens after 384 cached, 0.78 vs 0.75 s for 336, 2.0 vs 1.5 s for 672).
   */
  static final int MIN_TOKENS = 256;

  private final int tokens;
  private final int chunk;
  private final int chunks;
  private final NDArray localMask; // [1, 1, chunks, chunk, 2 chunk]
  private final NDArray prefixMask; // [1, 1, chunks * chunk, past], or null

  private TreeAttention(int tokens, int chunk, NDArray localMask, NDArray prefixMask) {
    this.tokens = tokens;
    this.chunk = chunk;
    this.chunks = (tokens + chunk - 1) / chunk;
    this.localMask = localMask;
    this.prefixMask = prefixMask;
  }

  /**
   * The plan for a tree after {@code past} cached positions, or null when the dense product is as
   * cheap (a short pass, one only a few chunks long, or nothing cached).
   */
  static TreeAttention plan(NDManager scope, TokenTree tree, int window) {
    int chunk = tree.span();
    if (tree.past() == 0 || tree.size() < Math.max(4 * chunk, MIN_TOKENS)) {
      return null;
    }
    int chunks = (tree.size() + chunk - 1) / chunk;
    NDArray local =
        scope.create(tree.chunkMask(chunk, window), new Shape(1, 1, chunks, chunk, 2L * chunk));
    float[] prefix = tree.prefixMask(chunks * chunk, window);
    NDArray prefixMask =
        prefix == null ? null : scope.create(prefix, new Shape(1, 1, chunks * chunk, tree.past()));
    return new TreeAttention(tree.size(), chunk, local, prefixMask);
  }

  /**
   * @param q [1, heads, tokens, headDim], already scaled
   * @param k the new tokens' keys [1, kvHeads, tokens, headDim]
   * @param v the new tokens' values [1, kvHeads, tokens, headDim]
   * @param prefixKeys [1, kvHeads, past, headDim]
   * @param prefixValues [1, kvHeads, past, headDim]
   * @return [1, heads, tokens, headDim]
   */
  NDArray attend(NDArray q, NDArray k, NDArray v, NDArray prefixKeys, NDArray prefixValues) {
    long heads = q.getShape().get(1);
    long kvHeads = k.getShape().get(1);
    long headDim = q.getShape().get(3);
    if (heads != kvHeads) {
      long group = heads / kvHeads;
      k = k.repeat(1, group);
      v = v.repeat(1, group);
      prefixKeys = prefixKeys.repeat(1, group);
      prefixValues = prefixValues.repeat(1, group);
    }
    long padded = (long) chunks * chunk;
    long past = prefixKeys.getShape().get(2);
    q = padTo(q, padded); // [1, h, padded, d]
    NDArray prefixScores = q.matMul(prefixKeys.transpose(0, 1, 3, 2)); // [1, h, padded, past]
    if (prefixMask != null) {
      prefixScores = prefixScores.add(prefixMask);
    }
    NDArray localScores =
        q.reshape(1, heads, chunks, chunk, headDim)
            .matMul(windows(k, padded).transpose(0, 1, 2, 4, 3)) // [1, h, chunks, chunk, 2 chunk]
            .add(localMask);
    NDArray probs =
        NDArrays.concat(
                new NDList(prefixScores.reshape(1, heads, chunks, chunk, past), localScores), 4)
            .softmax(-1); // [1, h, chunks, chunk, past + 2 chunk]
    NDList parts = probs.split(new long[] {past}, 4);
    NDArray fromPrefix =
        parts.get(0).reshape(1, heads, padded, past).matMul(prefixValues); // [1, h, padded, d]
    NDArray fromTree = parts.get(1).matMul(windows(v, padded)).reshape(1, heads, padded, headDim);
    NDArray out = fromPrefix.add(fromTree);
    return padded == tokens ? out : out.get(":, :, :" + tokens + ", :"); // [1, h, tokens, d]
  }

  /**
   * [1, h, tokens, d] -> [1, h, chunks, 2 chunk, d]: each chunk's keys after the previous one's.
   */
  private NDArray windows(NDArray x, long padded) {
    long heads = x.getShape().get(1);
    long d = x.getShape().get(3);
    NDArray zeros = x.getManager().zeros(new Shape(1, heads, chunk, d), x.getDataType());
    NDArray current = padTo(x, padded); // [1, h, padded, d]
    NDArray shifted =
        NDArrays.concat(new NDList(zeros, current.get(":, :, :" + (padded - chunk))), 2);
    return NDArrays.concat(
        new NDList(
            shifted.reshape(1, heads, chunks, chunk, d),
            current.reshape(1, heads, chunks, chunk, d)),
        3); // [1, h, chunks, 2 chunk, d]
  }

  /** Zero rows appended along the sequence axis up to {@code length}. */
  private static NDArray padTo(NDArray x, long length) {
    long seq = x.getShape().get(2);
    if (seq == length) {
      return x;
    }
    Shape shape = x.getShape();
    NDArray zeros =
        x.getManager().zeros(new Shape(shape.get(0), shape.get(1), length - seq, shape.get(3)));
    return NDArrays.concat(new NDList(x, zeros), 2);
  }
}
