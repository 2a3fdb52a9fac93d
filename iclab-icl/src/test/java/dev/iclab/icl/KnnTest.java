package dev.iclab.icl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.data.Dataset;
import dev.iclab.data.Example;
import dev.iclab.icl.embed.EmbeddingCache;
import dev.iclab.icl.embed.Knn;
import dev.iclab.icl.embed.MiniLmEncoder;
import dev.iclab.icl.embed.PoolEmbeddings;
import dev.iclab.icl.embed.SentenceEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kNN ranking by cosine similarity: hand-computed, then with the real MiniLM encoder. */
class KnnTest {
  @TempDir Path cacheDir;

  @Test
  void rankingMatchesHandComputedCosines() {
    // Rows are unit vectors; query (0.8, 0.6): cosines 0.8, 0.96, 0.6, -0.8.
    float[][] rows = {{1, 0}, {0.6f, 0.8f}, {0, 1}, {-1, 0}};
    float[] query = Knn.normalise(new float[] {4, 3});
    assertEquals(0.96, Knn.cosine(rows[1], query), 1e-6);
    assertArrayEquals(new int[] {1, 0, 2}, Knn.top(rows, query, 3));
    assertArrayEquals(new float[] {0.8f, 0.6f}, query, 1e-7f);
  }

  /** An encoder with fixed vectors, counting its calls. */
  static final class Fixed implements SentenceEncoder {
    int calls;

    @Override
    public String name() {
      return "fixed";
    }

    @Override
    public float[][] embed(List<String> texts) {
      calls++;
      float[][] out = new float[texts.size()][];
      for (int i = 0; i < out.length; i++) {
        double angle = Double.parseDouble(texts.get(i));
        out[i] = new float[] {(float) Math.cos(angle), (float) Math.sin(angle)};
      }
      return out;
    }
  }

  @Test
  void selectorPutsTheNearestLastAndCachesThePool() {
    List<Example> examples = new ArrayList<>();
    double[] angles = {0.0, 1.0, 0.3, 2.0, 0.5};
    for (int i = 0; i < angles.length; i++) {
      examples.add(Examples.of("e" + i, 0, "sentence", Double.toString(angles[i])));
    }
    Dataset pool = new Dataset("pool", examples, Path.of("p.tsv"), "0", 0);
    Fixed encoder = new Fixed();
    EmbeddingCache cache = new EmbeddingCache(cacheDir);
    var selector = DemoSelector.KnnSelector.of(pool, encoder, cache);
    // Query at 0.45 rad: nearest 0.5 (e4), then 0.3 (e2), then 0.0/1.0 (0.45 vs 0.55 -> e0).
    List<Example> chosen = selector.select(Examples.of("q", 0, "sentence", "0.45"), 3, 1);
    assertEquals(List.of("e0", "e2", "e4"), chosen.stream().map(Example::id).toList());
    Fixed second = new Fixed();
    DemoSelector.KnnSelector.of(pool, second, cache).index();
    assertEquals(0, second.calls, "the pool's embeddings come from the cache");
  }

  @Test
  void similarityOrderPutsTheMostSimilarNextToTheQuery() {
    // Unit vectors at these angles (rad); the query at 0.45. Cosines by hand:
    // e0 cos(0.45) = 0.90045, e1 cos(0.55) = 0.85252, e2 cos(0.15) = 0.98877,
    // e3 cos(1.55) = 0.02079, e4 cos(0.05) = 0.99875.
    List<Example> examples = new ArrayList<>();
    double[] angles = {0.0, 1.0, 0.3, 2.0, 0.5};
    for (int i = 0; i < angles.length; i++) {
      examples.add(Examples.of("e" + i, i % 2, "sentence", Double.toString(angles[i])));
    }
    Dataset pool = new Dataset("pool", examples, Path.of("p.tsv"), "0", 0);
    Fixed encoder = new Fixed();
    PoolEmbeddings embeddings = new PoolEmbeddings(pool, encoder, new EmbeddingCache(cacheDir));
    Example query = Examples.of("q", 0, "sentence", "0.45");
    assertArrayEquals(
        new double[] {0.90045, 0.85252, 0.98877, 0.02079, 0.99875},
        embeddings.similarity(query, examples),
        1e-5);
    // Demos as selected e0, e1, e2, e3 (e4 not chosen): ascending e3, e1, e0, e2.
    List<Demo> demos = examples.subList(0, 4).stream().map(Demo::gold).toList();
    List<Demo> ordered = DemoOrder.mostSimilarLast(query, demos, embeddings);
    assertEquals(
        List.of("e3", "e1", "e0", "e2"), ordered.stream().map(d -> d.example().id()).toList());
    assertEquals(demos.get(1), ordered.get(1), "the demos themselves (labels, form) are kept");
    int calls = encoder.calls;
    embeddings.similarity(query, examples);
    assertEquals(calls, encoder.calls, "pool and query vectors are not recomputed");
  }

  @Test
  void miniLmRunsOfflineAndRanksByMeaning() {
    MiniLmEncoder encoder = new MiniLmEncoder();
    float[][] v =
        encoder.embed(
            List.of(
                "a wonderful , moving film",
                "the stock market fell sharply today",
                "an excellent and touching movie"));
    assertEquals(384, v[0].length);
    assertEquals(1.0, Knn.cosine(v[0], v[0]), 1e-5);
    assertTrue(
        Knn.cosine(v[0], v[2]) > Knn.cosine(v[0], v[1]) + 0.2,
        Knn.cosine(v[0], v[2]) + " vs " + Knn.cosine(v[0], v[1]));
  }
}
