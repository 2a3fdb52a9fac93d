package dev.iclab.icl;

import dev.iclab.IclabException;
import dev.iclab.data.Dataset;
import dev.iclab.data.Example;
import dev.iclab.icl.embed.EmbeddingCache;
import dev.iclab.icl.embed.MiniLmEncoder;
import dev.iclab.icl.embed.PoolEmbeddings;
import dev.iclab.icl.embed.SentenceEncoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Chooses k demonstrations from the training pool. Shared selectors (random, balanced, fixed) give
 * one set per seed, used for every query; per-query selectors (BM25, kNN) give each query its own,
 * in increasing similarity (most similar last, next to the query, as KATE does).
 */
public sealed interface DemoSelector {
  /** The selector's name as the command line spells it. */
  String name();

  /** Whether every query gets the same demonstrations (for a given seed). */
  boolean shared();

  /**
   * @param query the query (ignored by shared selectors)
   * @throws IclabException when k exceeds the pool
   */
  List<Example> select(Example query, int k, long seed);

  /**
   * Parses {@code random}, {@code balanced}, {@code fixed:ID,ID,...}, {@code bm25} or {@code knn}.
   */
  static DemoSelector parse(String spec, Dataset pool) {
    if (spec.equals("random")) {
      return new RandomSelector(pool);
    }
    if (spec.equals("balanced")) {
      return new BalancedSelector(pool);
    }
    if (spec.startsWith("fixed:")) {
      return new FixedSelector(pool, List.of(spec.substring(6).split(",")));
    }
    if (spec.equals("bm25")) {
      return new Bm25Selector(pool);
    }
    if (spec.equals("knn")) {
      return new KnnSelector(pool, new MiniLmEncoder(), EmbeddingCache.standard());
    }
    throw new IclabException(
        "unknown --select '%s'; use random, balanced, fixed:ID,ID,..., bm25 or knn"
            .formatted(spec));
  }

  private static void checkPool(Dataset pool, int k) {
    if (k > pool.size()) {
      throw new IclabException(
          "k = %d demonstrations exceed the training pool of %d examples in %s; use --shots %d or fewer"
              .formatted(k, pool.size(), pool.source(), pool.size()));
    }
  }

  /** A selector that gives every query the same k demonstrations for a seed, from its pool. */
  sealed interface Shared extends DemoSelector {
    Dataset pool();

    /** k demonstrations from the pool, which holds at least k. */
    List<Example> choose(int k, long seed);

    @Override
    default boolean shared() {
      return true;
    }

    @Override
    default List<Example> select(Example query, int k, long seed) {
      checkPool(pool(), k);
      return choose(k, seed);
    }
  }

  /** k distinct examples drawn uniformly (partial Fisher-Yates with {@code Random(seed)}). */
  record RandomSelector(Dataset pool) implements Shared {
    @Override
    public String name() {
      return "random";
    }

    @Override
    public List<Example> choose(int k, long seed) {
      return sample(pool.examples(), k, new Random(seed));
    }
  }

  private static List<Example> sample(List<Example> from, int k, Random random) {
    List<Example> copy = new ArrayList<>(from);
    for (int i = 0; i < k; i++) {
      int j = i + random.nextInt(copy.size() - i);
      Example t = copy.get(i);
      copy.set(i, copy.get(j));
      copy.set(j, t);
    }
    return List.copyOf(copy.subList(0, k));
  }

  /**
   * Class-balanced: labels take turns (0, 1, ..., 0, 1, ...), each drawing its next example from
   * its own seeded shuffle, until k are chosen (a class that runs out is skipped); the chosen set
   * is then shuffled with the seed, so the last demonstration's label does not depend on k.
   */
  record BalancedSelector(Dataset pool) implements Shared {
    @Override
    public String name() {
      return "balanced";
    }

    @Override
    public List<Example> choose(int k, long seed) {
      Map<Integer, List<Example>> byLabel = new java.util.TreeMap<>();
      for (Example e : pool.examples()) {
        byLabel.computeIfAbsent(e.label(), l -> new ArrayList<>()).add(e);
      }
      Random random = new Random(seed);
      List<List<Example>> queues = new ArrayList<>();
      for (List<Example> members : byLabel.values()) {
        queues.add(sample(members, members.size(), random));
      }
      List<Example> chosen = new ArrayList<>();
      int[] next = new int[queues.size()];
      while (chosen.size() < k) {
        for (int c = 0; c < queues.size() && chosen.size() < k; c++) {
          if (next[c] < queues.get(c).size()) {
            chosen.add(queues.get(c).get(next[c]++));
          }
        }
      }
      return sample(chosen, chosen.size(), random);
    }
  }

  /**
   * The given training ids, in the given order (the first k of them); the list, not the pool,
   * bounds k.
   */
  record FixedSelector(Dataset pool, List<String> ids) implements Shared {
    @Override
    public String name() {
      return "fixed:" + String.join(",", ids);
    }

    @Override
    public List<Example> select(Example query, int k, long seed) {
      if (k > ids.size()) {
        throw new IclabException(
            "k = %d demonstrations but --select fixed lists %d ids; list at least %d"
                .formatted(k, ids.size(), k));
      }
      return choose(k, seed);
    }

    @Override
    public List<Example> choose(int k, long seed) {
      Map<String, Example> byId = new HashMap<>();
      pool.examples().forEach(e -> byId.put(e.id(), e));
      List<Example> chosen = new ArrayList<>();
      for (String id : ids.subList(0, k)) {
        Example e = byId.get(id.strip());
        if (e == null) {
          throw new IclabException(
              "--select fixed: id '%s' is not in the training pool %s (ids are row indices from 0 unless the task names an id column)"
                  .formatted(id, pool.source()));
        }
        chosen.add(e);
      }
      return chosen;
    }
  }

  /** A selector that gives each query the k training examples most similar to it, most last. */
  abstract sealed class PerQuery implements DemoSelector {
    private final Dataset pool;

    PerQuery(Dataset pool) {
      this.pool = pool;
    }

    /** Indices into the pool of the k most similar examples, most similar first. */
    abstract int[] nearest(Example query, int k);

    @Override
    public final boolean shared() {
      return false;
    }

    @Override
    public final List<Example> select(Example query, int k, long seed) {
      checkPool(pool, k);
      int[] best = nearest(query, k);
      List<Example> chosen = new ArrayList<>();
      for (int i = best.length - 1; i >= 0; i--) {
        chosen.add(pool.get(best[i]));
      }
      return chosen;
    }
  }

  /** The k training inputs with the highest BM25 score for the query, most similar last. */
  final class Bm25Selector extends PerQuery {
    private final Bm25 index;

    Bm25Selector(Dataset pool) {
      super(pool);
      this.index = new Bm25(pool.examples().stream().map(Example::text).toList());
    }

    @Override
    public String name() {
      return "bm25";
    }

    @Override
    int[] nearest(Example query, int k) {
      return index.top(query.text(), k, -1);
    }
  }

  /**
   * KATE (Liu et al. 2022): the k training inputs nearest to the query by cosine similarity of
   * sentence embeddings, most similar last. The pool is embedded once (and cached on disk) on first
   * use.
   */
  final class KnnSelector extends PerQuery {
    private final PoolEmbeddings embeddings;

    KnnSelector(Dataset pool, SentenceEncoder encoder, EmbeddingCache cache) {
      super(pool);
      this.embeddings = new PoolEmbeddings(pool, encoder, cache);
    }

    /** A kNN selector with the given encoder and cache (tests, benchmarks). */
    public static KnnSelector of(Dataset pool, SentenceEncoder encoder, EmbeddingCache cache) {
      return new KnnSelector(pool, encoder, cache);
    }

    @Override
    public String name() {
      return "knn";
    }

    /** The pool's embeddings, shared with the similarity order. */
    public PoolEmbeddings embeddings() {
      return embeddings;
    }

    /** Embeds (or loads) the pool now; otherwise the first {@link #select} does. */
    public void index() {
      embeddings.index();
    }

    @Override
    int[] nearest(Example query, int k) {
      return embeddings.nearest(query, k);
    }
  }
}
