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
 * @param tree the input's tokens as a tree after the cached ones, or null for one sequence: token i
 *     follows token {@code tree[i]} (-1: the cached positions), sees the cache and its own
 *     ancestors only, and sits at position past + its depth. The cache is read, not extended, so
 *     many continuations of one cached context run in one pass without copying it. Takes no padding
 *     mask or input prefix.
 * @param outputRows compute logits at these positions of the input only (for every batch row, in
 *     this order): [batch, rows, vocab]; null for all (or the last with {@code lastOnly})
 */
public record ForwardOptions(
    KvCache cache,
    NDArray attentionMask,
    AttentionObserver observer,
    boolean lastOnly,
    NDArray inputPrefix,
    int[] tree,
    int[] outputRows) {
  public static final ForwardOptions NONE =
      new ForwardOptions(null, null, null, false, null, null, null);

  public static ForwardOptions withCache(KvCache cache) {
    return NONE.cache(cache);
  }

  public ForwardOptions cache(KvCache newCache) {
    return new ForwardOptions(
        newCache, attentionMask, observer, lastOnly, inputPrefix, tree, outputRows);
  }

  public ForwardOptions mask(NDArray mask) {
    return new ForwardOptions(cache, mask, observer, lastOnly, inputPrefix, tree, outputRows);
  }

  public ForwardOptions observe(AttentionObserver newObserver) {
    return new ForwardOptions(
        cache, attentionMask, newObserver, lastOnly, inputPrefix, tree, outputRows);
  }

  public ForwardOptions lastOnly(boolean value) {
    return new ForwardOptions(cache, attentionMask, observer, value, inputPrefix, tree, outputRows);
  }

  public ForwardOptions prefix(NDArray embeddings) {
    return new ForwardOptions(
        cache, attentionMask, observer, lastOnly, embeddings, tree, outputRows);
  }

  /** See {@link #tree}: parents[i] is the token that token i follows, -1 for the cache. */
  public ForwardOptions tree(int[] parents) {
    return new ForwardOptions(
        cache, attentionMask, observer, lastOnly, inputPrefix, parents.clone(), outputRows);
  }

  /** See {@link #outputRows}. */
  public ForwardOptions outputRows(int[] rows) {
    return new ForwardOptions(
        cache, attentionMask, observer, lastOnly, inputPrefix, tree, rows.clone());
  }

  /**
   * Whether these options only put one soft prompt ({@link #inputPrefix} of batch 1) before every
   * row: then the prompt's keys and values are the same for all rows, and a caller may {@link
   * CausalLM#prefill} them once and run the rows after them (a token tree) instead.
   */
  public boolean onlySharedPrefix() {
    return inputPrefix != null
        && inputPrefix.getShape().get(0) == 1
        && inputPrefix.getShape().get(1) > 0
        && cache == null
        && attentionMask == null
        && observer == null
        && !lastOnly
        && tree == null
        && outputRows == null;
  }
}
