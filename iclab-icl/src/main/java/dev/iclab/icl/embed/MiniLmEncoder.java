package dev.iclab.icl.embed;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.nio.file.Path;
import java.util.List;

/**
 * all-MiniLM-L6-v2 (quantized ONNX, 384 dimensions) as packaged for langchain4j: the model ships
 * inside a Maven Central jar, so nothing is downloaded at run time.
 */
public final class MiniLmEncoder implements SentenceEncoder {
  private static final int BATCH = 64;

  static {
    OnnxNatives.useCache(); // before ONNX Runtime loads: no /tmp folder per process
  }

  private final EmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();

  public MiniLmEncoder() {
    // ONNX Runtime has started (its own empty folder is gone): clear those of killed processes.
    OnnxNatives.sweepEmptyLeftovers(Path.of(System.getProperty("java.io.tmpdir")), 5_000);
  }

  @Override
  public String name() {
    return "all-minilm-l6-v2-q";
  }

  @Override
  public float[][] embed(List<String> texts) {
    float[][] vectors = new float[texts.size()][];
    for (int start = 0; start < texts.size(); start += BATCH) {
      List<TextSegment> batch =
          texts.subList(start, Math.min(texts.size(), start + BATCH)).stream()
              .map(t -> TextSegment.from(t.isBlank() ? "-" : t))
              .toList();
      var embeddings = model.embedAll(batch).content();
      for (int i = 0; i < embeddings.size(); i++) {
        vectors[start + i] = Knn.normalise(embeddings.get(i).vector());
      }
    }
    return vectors;
  }
}
