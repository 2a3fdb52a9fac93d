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
 * @param inputPrefix embeddings [1 or batch, prefix, hidden] placed before the tokens' embeddings
 *     (prompt tuning); used only when the cache is empty. They take positions 0..prefix-1, their
 *     logits are not returned, and a padding mask covers the tokens only.
 */
public record ForwardOptions(
    KvCache cache,
    NDArray attentionMask,
    AttentionObserver observer,
    boolean lastOnly,
    NDArray inputPrefix) {
  public static final ForwardOptions NONE = new ForwardOptions(null, null, null, false, null);

  public static ForwardOptions withCache(KvCache cache) {
    return NONE.cache(cache);
  }

  public ForwardOptions cache(KvCache newCache) {
    return new ForwardOptions(newCache, attentionMask, observer, lastOnly, inputPrefix);
  }

  public ForwardOptions mask(NDArray mask) {
    return new ForwardOptions(cache, mask, observer, lastOnly, inputPrefix);
  }

  public ForwardOptions observe(AttentionObserver newObserver) {
    return new ForwardOptions(cache, attentionMask, newObserver, lastOnly, inputPrefix);
  }

  public ForwardOptions lastOnly(boolean value) {
    return new ForwardOptions(cache, attentionMask, observer, value, inputPrefix);
  }

  public ForwardOptions prefix(NDArray embeddings) {
    return new ForwardOptions(cache, attentionMask, observer, lastOnly, embeddings);
  }
}
