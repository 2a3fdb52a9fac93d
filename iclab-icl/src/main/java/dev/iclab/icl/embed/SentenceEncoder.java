package dev.iclab.icl.embed;

import java.util.List;

/** Sentence embeddings for kNN demonstration selection. */
public interface SentenceEncoder {
  /** A name that identifies the encoder in cache files, e.g. {@code all-minilm-l6-v2-q}. */
  String name();

  /** One L2-normalised vector per text, in order. */
  float[][] embed(List<String> texts);
}
