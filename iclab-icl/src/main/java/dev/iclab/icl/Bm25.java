package dev.iclab.icl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Okapi BM25 over a fixed list of documents (k1 = 1.2, b = 0.75, idf = ln(1 + (N - n + 0.5) / (n +
 * 0.5))). Tokens: lower-cased runs of letters and digits.
 */
public final class Bm25 {
  public static final double K1 = 1.2;
  public static final double B = 0.75;

  private final List<Map<String, Integer>> termCounts = new ArrayList<>();
  private final int[] lengths;
  private final Map<String, Integer> documentFrequency = new HashMap<>();
  private final double averageLength;

  public Bm25(List<String> documents) {
    lengths = new int[documents.size()];
    long total = 0;
    for (int d = 0; d < documents.size(); d++) {
      List<String> tokens = tokens(documents.get(d));
      Map<String, Integer> counts = new HashMap<>();
      tokens.forEach(t -> counts.merge(t, 1, Integer::sum));
      counts.keySet().forEach(t -> documentFrequency.merge(t, 1, Integer::sum));
      termCounts.add(counts);
      lengths[d] = tokens.size();
      total += tokens.size();
    }
    averageLength = documents.isEmpty() ? 0 : (double) total / documents.size();
  }

  static List<String> tokens(String text) {
    List<String> tokens = new ArrayList<>();
    for (String t : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!t.isEmpty()) {
        tokens.add(t);
      }
    }
    return tokens;
  }

  /** Inverse document frequency of a term. */
  public double idf(String term) {
    int n = documentFrequency.getOrDefault(term, 0);
    return Math.log(1 + (lengths.length - n + 0.5) / (n + 0.5));
  }

  /** BM25 score of every document for {@code query}. */
  public double[] scores(String query) {
    double[] scores = new double[lengths.length];
    for (String term : tokens(query)) {
      if (!documentFrequency.containsKey(term)) {
        continue;
      }
      double idf = idf(term);
      for (int d = 0; d < scores.length; d++) {
        Integer f = termCounts.get(d).get(term);
        if (f != null) {
          double norm = K1 * (1 - B + B * lengths[d] / averageLength);
          scores[d] += idf * f * (K1 + 1) / (f + norm);
        }
      }
    }
    return scores;
  }

  /**
   * Indices of the {@code k} best documents, best first; ties go to the lower index. Documents in
   * {@code exclude} (by index) are skipped.
   */
  public int[] top(String query, int k, int exclude) {
    double[] s = scores(query);
    Integer[] order = new Integer[s.length];
    for (int i = 0; i < s.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> s[a] != s[b] ? Double.compare(s[b], s[a]) : Integer.compare(a, b));
    return Arrays.stream(order).filter(i -> i != exclude).limit(k).mapToInt(i -> i).toArray();
  }
}
