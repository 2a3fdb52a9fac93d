package dev.iclab.lm.cache;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import java.util.Arrays;

/**
 * The KV cache (batch 1) of the token ids every query of a setting starts with (BOS, instruction,
 * demonstrations), computed once; each query then runs on it or on a copy of it. Close it to free
 * its native memory.
 */
public final class CachedPrefix implements AutoCloseable {
  private final int[] ids;
  private final NDManager manager;
  private final KvCache cache;

  private CachedPrefix(int[] ids, NDManager manager, KvCache cache) {
    this.ids = ids;
    this.manager = manager;
    this.cache = cache;
  }

  /** Runs {@code ids} through {@code model} once; an empty {@code ids} caches nothing. */
  public static CachedPrefix of(CausalLM model, int[] ids) {
    if (ids.length == 0) {
      return new CachedPrefix(ids, null, null);
    }
    NDManager manager = model.manager().newSubManager();
    try {
      KvCache cache = model.newCache(manager);
      try (NDManager scope = manager.newSubManager()) {
        model.forward(
            scope,
            scope.create(ids, new Shape(1, ids.length)),
            ForwardOptions.withCache(cache).lastOnly(true));
      }
      return new CachedPrefix(ids.clone(), manager, cache);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Number of cached positions (0 when nothing is cached). */
  public int length() {
    return ids.length;
  }

  /** Whether the prefix's ids are the first ids of {@code ids} (and some follow). */
  public boolean startsWith(int[] ids) {
    return ids.length > this.ids.length
        && Arrays.equals(Arrays.copyOf(ids, this.ids.length), this.ids);
  }

  /** The cache itself, or null when the prefix is empty. */
  public KvCache cache() {
    return cache;
  }

  /** A copy of the cache owned by {@code scope}, or null when the prefix is empty. */
  public KvCache copy(NDManager scope) {
    return cache == null ? null : cache.repeatBatch(scope, 1);
  }

  @Override
  public void close() {
    if (manager != null) {
      manager.close();
    }
  }
}
