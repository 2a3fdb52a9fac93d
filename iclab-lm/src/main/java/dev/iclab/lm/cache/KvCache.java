package dev.iclab.lm.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.iclab.tensor.Tensors;

/**
 * Keys and values of the positions a model has already seen, per layer, so that later tokens attend
 * to them without recomputing them. Keys are stored after rotary embedding, as the attention uses
 * them.
 *
 * <p>The cache owns its arrays in its own manager; close it (or its parent) to free them. A forward
 * pass appends every layer's new keys and values, then {@link #advance}s the length.
 *
 * <p>Outside autograd (decoding, scoring) each layer's keys and values live in a buffer that, once
 * appended to after its first write, has room to spare and is doubled when full, and new positions
 * are written into it in place: appending one token then costs that token, not a copy of the whole
 * cache (at position 1,024 of a GPT-2-small-shaped model a copy is 75 MB a token). Readers get
 * views of the filled part. While gradients are recorded (prefix tuning) appending concatenates
 * instead, so the cache stays in the graph.
 */
public final class KvCache implements AutoCloseable {
  private static final int MIN_CAPACITY = 64;

  private final NDManager manager;
  private final NDArray[] keys; // per layer [batch, kvHeads, capacity, headDim]
  private final NDArray[] values; // per layer [batch, kvHeads, capacity, headDim]
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
    return append(manager, layer, k, v);
  }

  /**
   * {@link #append(int, NDArray, NDArray)}, with the returned views owned by {@code scope} (a
   * forward pass's), so that a long generation does not gather one view a token in the cache.
   */
  public NDList append(NDManager scope, int layer, NDArray k, NDArray v) {
    int total = length + Math.toIntExact(k.getShape().get(2));
    if (Tensors.recordingGradients()) {
      keys[layer] = concatInto(keys[layer], k);
      values[layer] = concatInto(values[layer], v);
    } else {
      keys[layer] = writeInto(keys[layer], k, total);
      values[layer] = writeInto(values[layer], v, total);
    }
    return new NDList(filled(scope, keys[layer], total), filled(scope, values[layer], total));
  }

  /**
   * One layer's cached keys and values, each [batch, kvHeads, length, headDim], owned by the cache
   * (read them, do not close them).
   */
  public NDList layer(int layer) {
    return new NDList(filled(manager, keys[layer], length), filled(manager, values[layer], length));
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
    NDArray joinedKeys = NDArrays.concat(new NDList(filled(scope, keys[layer], length), k), 2);
    NDArray joinedValues = NDArrays.concat(new NDList(filled(scope, values[layer], length), v), 2);
    joinedKeys.attach(scope);
    joinedValues.attach(scope);
    return new NDList(joinedKeys, joinedValues);
  }

  /** The first {@code positions} positions of a buffer: itself when full, else a view. */
  private static NDArray filled(NDManager scope, NDArray buffer, int positions) {
    if (buffer.getShape().get(2) == positions) {
      return buffer;
    }
    NDArray view = buffer.get(new NDIndex(":, :, :{}", positions));
    view.attach(scope);
    return view;
  }

  /**
   * Writes {@code fresh} after the first {@link #length} positions, growing the buffer if full. The
   * first write (a prompt's prefill) gets exactly its positions, so a cache that is only read (a
   * shared prefix) holds no spare room and its readers get the buffer itself; room to spare comes
   * with the first append after it (decoding).
   */
  private NDArray writeInto(NDArray buffer, NDArray fresh, int total) {
    if (buffer == null || buffer.getShape().get(2) < total) {
      Shape shape = fresh.getShape();
      long capacity = buffer == null ? total : Math.max(MIN_CAPACITY, 2L * total);
      NDArray grown =
          manager.zeros(
              new Shape(shape.get(0), shape.get(1), capacity, shape.get(3)), fresh.getDataType());
      if (buffer != null && length > 0) {
        grown.set(new NDIndex(":, :, :{}", length), filled(manager, buffer, length));
      }
      if (buffer != null) {
        buffer.close();
      }
      buffer = grown;
    }
    buffer.set(new NDIndex(":, :, {}:{}", length, total), fresh);
    return buffer;
  }

  private NDArray concatInto(NDArray old, NDArray fresh) {
    NDArray joined;
    if (old == null) {
      // A copy that stays in the autograd graph (duplicate() leaves it, breaking prefix tuning).
      joined = fresh.add(0f);
    } else {
      joined = NDArrays.concat(new NDList(filled(manager, old, length), fresh), 2);
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
        copy.keys[layer] = filled(manager, keys[layer], length).repeat(0, times);
        copy.values[layer] = filled(manager, values[layer], length).repeat(0, times);
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
