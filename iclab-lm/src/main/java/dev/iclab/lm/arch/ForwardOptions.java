package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.tensor.AttentionObserver;

/**
 * Optional inputs of a forward pass.
 *
 * @param cache keys/values of earlier positions, extended by this pass; null for none
 * @param attentionMask [batch, past + seq], 1 for real tokens, 0 for padding; null when nothing is
 *     padded. Positions then count only real tokens, so left padding does not shift them.
 * @param observer attention hooks; null for none
 * @param lastOnly compute logits for the last position only (saves the vocabulary projection)
 */
public record ForwardOptions(
    KvCache cache, NDArray attentionMask, AttentionObserver observer, boolean lastOnly) {
  public static final ForwardOptions NONE = new ForwardOptions(null, null, null, false);

  public static ForwardOptions withCache(KvCache cache) {
    return new ForwardOptions(cache, null, null, false);
  }

  public ForwardOptions cache(KvCache newCache) {
    return new ForwardOptions(newCache, attentionMask, observer, lastOnly);
  }

  public ForwardOptions mask(NDArray mask) {
    return new ForwardOptions(cache, mask, observer, lastOnly);
  }

  public ForwardOptions observe(AttentionObserver newObserver) {
    return new ForwardOptions(cache, attentionMask, newObserver, lastOnly);
  }

  public ForwardOptions lastOnly(boolean value) {
    return new ForwardOptions(cache, attentionMask, observer, value);
  }
}
