package dev.iclab.icl.run;

import dev.iclab.icl.IclEvaluator;
import dev.iclab.icl.Prompt;
import dev.iclab.lm.cache.CachedPrefix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The KV caches of a group's shared prefixes, by the number of demonstrations used: a query that
 * had to drop demonstrations to fit still shares its (shorter) prefix with the other queries that
 * dropped as many. At most {@link #HELD} are held (each up to a context window of keys); the least
 * recently used is closed first, and closing this closes the rest.
 */
final class PrefixCaches implements AutoCloseable {
  static final int HELD = 3;

  private final IclEvaluator evaluator;
  private final Map<Integer, CachedPrefix> caches = new LinkedHashMap<>();

  PrefixCaches(IclEvaluator evaluator) {
    this.evaluator = evaluator;
  }

  /** The cache of this prompt's prefix, opened on first use. */
  CachedPrefix of(Prompt prompt) {
    int used = prompt.demos().size();
    CachedPrefix cache = caches.remove(used);
    if (cache == null) {
      if (caches.size() >= HELD) {
        Integer oldest = caches.keySet().iterator().next();
        caches.remove(oldest).close();
      }
      cache = evaluator.openPrefix(prompt.prefixText());
    }
    caches.put(used, cache);
    return cache;
  }

  /**
   * Scores prompts whose demonstrations are shared, batching those that use as many of them (one
   * prefix cache) into one {@link IclEvaluator#scoreBatch}.
   */
  List<IclEvaluator.Scores> scoreShared(List<Prompt> prompts) {
    Map<Integer, List<Integer>> byDemos = new LinkedHashMap<>();
    for (int i = 0; i < prompts.size(); i++) {
      byDemos.computeIfAbsent(prompts.get(i).demos().size(), n -> new ArrayList<>()).add(i);
    }
    IclEvaluator.Scores[] out = new IclEvaluator.Scores[prompts.size()];
    for (List<Integer> members : byDemos.values()) {
      List<Prompt> same = members.stream().map(prompts::get).toList();
      List<IclEvaluator.Scores> scores = evaluator.scoreBatch(of(same.get(0)), same);
      for (int m = 0; m < members.size(); m++) {
        out[members.get(m)] = scores.get(m);
      }
    }
    return List.of(out);
  }

  @Override
  public void close() {
    caches.values().forEach(CachedPrefix::close);
  }
}
