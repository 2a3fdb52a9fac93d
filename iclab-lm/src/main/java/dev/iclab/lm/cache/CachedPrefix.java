package dev.iclab.analysis;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;

/**
 * The KV cache of the token ids every query of a setting starts with (BOS, instruction,
 * demonstrations), computed once; each query then runs on a copy of it.
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

  public int length() {
    return ids.length;
  }

  /** A copy of the cache owned by {@code scope}, or null when the prefix is empty. */
  KvCache copy(NDManager scope) {
    return cache == null ? null : cache.repeatBatch(scope, 1);
  }

  @Override
  public void close() {
    if (manager != null) {
      manager.close();
    }
  }
}
