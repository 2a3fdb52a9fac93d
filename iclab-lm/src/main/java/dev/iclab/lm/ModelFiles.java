package dev.iclab.lm;

import java.util.List;
import java.util.stream.Stream;

/** The small files of a Hugging Face model directory that go with its weights. */
public final class ModelFiles {
  private ModelFiles() {}

  /** The model's settings: config.json and the generation defaults. */
  public static final List<String> CONFIG = List.of("config.json", "generation_config.json");

  /** The fast tokenizer and the files of a slow GPT-2 tokenizer (vocab.json + merges.txt). */
  public static final List<String> TOKENIZER =
      List.of(
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "vocab.json",
          "merges.txt");

  /** A SentencePiece model, which iclab does not read but keeps beside a checkpoint it writes. */
  public static final String SENTENCEPIECE = "tokenizer.model";

  /** Both lists, in order, as one. */
  public static List<String> join(List<String> first, List<String> second) {
    return Stream.concat(first.stream(), second.stream()).toList();
  }
}
