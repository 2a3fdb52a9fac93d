package dev.iclab.lm.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of the positions a model has already seen, per layer, so that later tokens attend
 * to them without recomputing them. Keys are stored after rotary embedding, as the attention uses
 * them.
 *
 * <p>The cache owns its arrays in its own manager; close it (or its parent) to free them. A forward
 * pass appends every layer's new keys and values, then {@link #advance}s the length.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys; // per layer [batch, kvHeads, length, headDim]
  private final NDArray[] values; // per layer [batch, kvHeads, length, headDim]
  private int length;

  public KvCache(NDManager parent, int layers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  /** Number of positions held. */
  public int length() {
    return length;
  }

  public int layers() {
    return keys.length;
  }

  /** Batch size of the cached sequences, or 0 when empty. */
  public long batchSize() {
    return keys[0] == null ? 0 : keys[0].getShape().get(0);
  }

  /**
   * Appends one layer's new keys and values and returns the full ones.
   *
   * @param k [batch, kvHeads, new, headDim]
   * @param v [batch, kvHeads, new, headDim]
   * @return {keys, values}, each [batch, kvHeads, length + new, headDim], owned by the cache
   */
  public NDList append(int layer, NDArray k, NDArray v) {
    keys[layer] = concatInto(keys[layer], k);
    values[layer] = concatInto(values[layer], v);
    return new NDList(keys[layer], values[layer]);
  }

  /**
   * One layer's cached keys and values, each [batch, kvHeads, length, headDim], owned by the cache
   * (read them, do not close them).
   */
  public NDList layer(int layer) {
    return new NDList(keys[layer], values[layer]);
  }

  /**
   * One layer's cached keys and values followed by new ones, without storing them (the cache stays
   * as it was); a token tree reads the cache this way.
   *
   * @param k [1, kvHeads, new, headDim]
   * @param v [1, kvHeads, new, headDim]
   * @return {keys, values}, each [1, kvHeads, length + new, headDim], owned by {@code scope}
   */
  public NDList followedBy(NDManager scope, int layer, NDArray k, NDArray v) {
    if (keys[layer] == null) {
      return new NDList(k, v);
    }
    NDArray joinedKeys = NDArrays.concat(new NDList(keys[layer], k), 2);
    NDArray joinedValues = NDArrays.concat(new NDList(values[layer], v), 2);
    joinedKeys.attach(scope);
    joinedValues.attach(scope);
    return new NDList(joinedKeys, joinedValues);
  }

  private NDArray concatInto(NDArray old, NDArray fresh) {
    NDArray joined;
    if (old == null) {
      // A copy that stays in the autograd graph (duplicate() leaves it, breaking prefix tuning).
      joined = fresh.add(0f);
    } else {
      joined = NDArrays.concat(new NDList(old, fresh), 2);
      old.close();
    }
    joined.attach(manager);
    return joined;
  }

  /** Records that a forward pass of {@code positions} tokens has appended every layer. */
  public void advance(int positions) {
    length += positions;
  }

  /**
   * A new cache holding this one's positions repeated {@code times} along the batch axis (a batch
   * of 1 becomes a batch of {@code times}); used to score several continuations of one context.
   */
  public KvCache repeatBatch(NDManager parent, int times) {
    KvCache copy = new KvCache(parent, keys.length);
    for (int layer = 0; layer < keys.length; layer++) {
      if (keys[layer] != null) {
        copy.keys[layer] = keys[layer].repeat(0, times);
        copy.values[layer] = values[layer].repeat(0, times);
        copy.keys[layer].attach(copy.manager);
        copy.values[layer].attach(copy.manager);
      }
    }
    copy.length = length;
    return copy;
  }

  @Override
  public void close() {
    manager.close();
  }
}
