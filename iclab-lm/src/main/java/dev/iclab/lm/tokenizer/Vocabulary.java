package dev.iclab.lm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.IclabException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The id ↔ token-string table of a {@code tokenizer.json}: the model's vocabulary plus its added
 * tokens. DJL's wrapper does not expose the vocabulary, so it is read from the same JSON.
 */
final class Vocabulary {
  private final String[] tokens; // [vocabularySize], null where no token has the id
  private final Map<String, Integer> ids;

  private Vocabulary(String[] tokens, Map<String, Integer> ids) {
    this.tokens = tokens;
    this.ids = ids;
  }

  /**
   * Reads {@code model.vocab} (an object token → id for BPE, WordPiece and WordLevel; a list of
   * [token, score] pairs for Unigram, where the index is the id) and {@code added_tokens}.
   */
  static Vocabulary of(JsonNode tokenizerJson, Path source) {
    Map<String, Integer> ids = new HashMap<>();
    JsonNode vocab = tokenizerJson.path("model").path("vocab");
    if (vocab.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        ids.put(entry.getKey(), entry.getValue().asInt());
      }
    } else if (vocab.isArray()) {
      for (int id = 0; id < vocab.size(); id++) {
        ids.put(vocab.get(id).path(0).asText(), id);
      }
    } else {
      throw new IclabException(
          "%s has no model.vocab (object or list); it is not a tokenizers-library file. Copy the"
                  .formatted(source)
              + " model's tokenizer.json from its hub repository.");
    }
    for (JsonNode added : tokenizerJson.path("added_tokens")) {
      ids.put(added.path("content").asText(), added.path("id").asInt());
    }
    int size = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    String[] tokens = new String[size];
    ids.forEach((token, id) -> tokens[id] = token);
    return new Vocabulary(tokens, Map.copyOf(ids));
  }

  int size() {
    return tokens.length;
  }

  String token(int id) {
    if (id < 0 || id >= tokens.length || tokens[id] == null) {
      throw new IllegalArgumentException(
          "no token has id %d (vocabulary size %d)".formatted(id, tokens.length));
    }
    return tokens[id];
  }

  Optional<Integer> id(String token) {
    return Optional.ofNullable(ids.get(token));
  }

  /** Throws unless every id names a token. */
  void checkIds(int[] candidateIds) {
    for (int id : candidateIds) {
      token(id);
    }
  }
}
