package dev.iclab.icl;

import dev.iclab.IclabException;
import dev.iclab.data.Example;
import dev.iclab.icl.embed.PoolEmbeddings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The order of demonstrations in the prompt: as selected ({@code given}), shuffled with the seed
 * ({@code random}), by cosine similarity of sentence embeddings to the query with the most similar
 * last, next to the query ({@code similarity}), or every permutation of k &le; 5 demonstrations
 * ({@code permutations}, one evaluation each).
 */
public final class DemoOrder {
  /** The largest k whose k! orders are all evaluated. */
  public static final int MAX_PERMUTED = 5;

  private DemoOrder() {}

  /** Orders ranked by Lu et al.'s entropy statistics: how many candidates, how many kept. */
  public static final int ENTROPY_CANDIDATES = 24;

  public static final int ENTROPY_KEPT = 4;

  /** Shuffles with {@code Random(seed)} (Fisher-Yates, as {@link Collections#shuffle}). */
  public static <T> List<T> shuffled(List<T> items, long seed) {
    List<T> copy = new ArrayList<>(items);
    Collections.shuffle(copy, new Random(seed * 31 + 17));
    return copy;
  }

  /** Sorts by ascending similarity (ties keep their order), so the most similar comes last. */
  public static <T> List<T> bySimilarity(List<T> items, double[] similarity) {
    List<Integer> index = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      index.add(i);
    }
    index.sort((a, b) -> Double.compare(similarity[a], similarity[b]));
    return index.stream().map(items::get).toList();
  }

  /**
   * The similarity order: demonstrations by ascending cosine similarity of their inputs' embeddings
   * to the query's, so the most similar is last, next to the query (ties keep their order).
   */
  public static List<Demo> mostSimilarLast(
      Example query, List<Demo> demos, PoolEmbeddings embeddings) {
    double[] similarity = embeddings.similarity(query, demos.stream().map(Demo::example).toList());
    return bySimilarity(demos, similarity);
  }

  /** Every permutation of {@code 0..k-1} in lexicographic order. */
  public static List<int[]> permutations(int k) {
    if (k > MAX_PERMUTED) {
      throw new IclabException(
          "--order permutations evaluates all k! orders and allows k <= %d, got k = %d; use --shots %d or fewer"
              .formatted(MAX_PERMUTED, k, MAX_PERMUTED));
    }
    List<int[]> all = new ArrayList<>();
    permute(new int[k], new boolean[k], 0, all);
    return all;
  }

  private static void permute(int[] current, boolean[] used, int depth, List<int[]> out) {
    if (depth == current.length) {
      out.add(current.clone());
      return;
    }
    for (int i = 0; i < current.length; i++) {
      if (!used[i]) {
        used[i] = true;
        current[depth] = i;
        permute(current, used, depth + 1, out);
        used[i] = false;
      }
    }
  }

  /**
   * Candidate orders for GlobalE/LocalE: all k! when k! &le; 24, else 24 distinct permutations
   * drawn with {@code Random(seed)}.
   */
  public static List<int[]> entropyCandidates(int k, long seed) {
    if (k <= 4) {
      List<int[]> all = new ArrayList<>();
      permute(new int[k], new boolean[k], 0, all);
      return all;
    }
    Random random = new Random(seed * 7 + 3);
    List<int[]> chosen = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    List<Integer> base = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      base.add(i);
    }
    while (chosen.size() < ENTROPY_CANDIDATES) {
      List<Integer> p = new ArrayList<>(base);
      Collections.shuffle(p, random);
      if (seen.add(p.toString())) {
        chosen.add(p.stream().mapToInt(Integer::intValue).toArray());
      }
    }
    return chosen;
  }

  public static <T> List<T> apply(List<T> items, int[] permutation) {
    List<T> out = new ArrayList<>();
    for (int i : permutation) {
      out.add(items.get(i));
    }
    return out;
  }
}
