package dev.iclab.icl.embed;

import dev.iclab.data.Dataset;
import dev.iclab.data.Example;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A training pool's sentence embeddings (computed once, kept in an {@link EmbeddingCache}) with the
 * encoder for queries: what kNN selection and the similarity order both compare by cosine.
 */
public final class PoolEmbeddings {
  private final Dataset pool;
  private final SentenceEncoder encoder;
  private final EmbeddingCache cache;
  private final Map<String, Integer> position = new HashMap<>();
  // Queries recur across shots and seeds; their vectors are kept (an eval set is a few thousand).
  private final Map<String, float[]> queries = new HashMap<>();
  private float[][] vectors;

  public PoolEmbeddings(Dataset pool, SentenceEncoder encoder, EmbeddingCache cache) {
    this.pool = pool;
    this.encoder = encoder;
    this.cache = cache;
  }

  public Dataset pool() {
    return pool;
  }

  /** Embeds (or loads) the pool now; otherwise the first use does. */
  public void index() {
    if (vectors == null) {
      vectors = cache.embeddings(pool, encoder);
      for (int i = 0; i < pool.size(); i++) {
        position.put(pool.get(i).id(), i);
      }
    }
  }

  /** The query's unit vector (embedded once per text). */
  public float[] query(Example query) {
    return queries.computeIfAbsent(query.text(), t -> encoder.embed(List.of(t))[0]);
  }

  /** Indices into the pool of the {@code k} examples nearest to the query, nearest first. */
  public int[] nearest(Example query, int k) {
    index();
    return Knn.top(vectors, query(query), k);
  }

  /**
   * The cosine similarity of each example to the query; pool members use their stored vectors,
   * anything else is embedded.
   */
  public double[] similarity(Example query, List<Example> examples) {
    index();
    float[] q = query(query);
    double[] out = new double[examples.size()];
    for (int i = 0; i < out.length; i++) {
      Integer at = position.get(examples.get(i).id());
      float[] v =
          at != null && pool.get(at).text().equals(examples.get(i).text())
              ? vectors[at]
              : encoder.embed(List.of(examples.get(i).text()))[0];
      out[i] = Knn.cosine(v, q);
    }
    return out;
  }
}
