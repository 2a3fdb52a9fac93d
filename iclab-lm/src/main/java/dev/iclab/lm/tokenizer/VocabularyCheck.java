package dev.iclab.lm.tokenizer;

import dev.iclab.IclabException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * A tokenizer whose vocabulary is larger than its model's embedding table: every encoding is
 * checked, so an id the model has no row for fails with one line naming the text, instead of an
 * engine "index out of range" deep in a forward pass.
 */
public record VocabularyCheck(Tokenizer tokenizer, int modelVocabulary, Path directory)
    implements Tokenizer {

  /**
   * {@code tokenizer} itself when every id it can produce has a row in the model, else a checking
   * wrapper that owns it (closing the wrapper closes it).
   */
  public static Tokenizer of(Tokenizer tokenizer, int modelVocabulary, Path directory) {
    return tokenizer.vocabularySize() <= modelVocabulary
        ? tokenizer
        : new VocabularyCheck(tokenizer, modelVocabulary, directory);
  }

  private int[] check(int[] ids, String text) {
    for (int id : ids) {
      if (id < 0 || id >= modelVocabulary) {
        String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        throw new IclabException(
            "the tokenizer in %s encodes \"%s\" with id %d, but the model's vocabulary has %d entries (vocab_size); the tokenizer does not belong to this model: use the model's own tokenizer.json"
                .formatted(directory, shown, id, modelVocabulary));
      }
    }
    return ids;
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    return check(tokenizer.encode(text, addSpecialTokens), text);
  }

  @Override
  public List<int[]> encodeAll(List<String> texts, boolean addSpecialTokens) {
    List<int[]> all = tokenizer.encodeAll(texts, addSpecialTokens);
    for (int i = 0; i < all.size(); i++) {
      check(all.get(i), texts.get(i));
    }
    return all;
  }

  @Override
  public Encoding encodeWithOffsets(String text) {
    Encoding encoding = tokenizer.encodeWithOffsets(text);
    check(encoding.ids(), text);
    return encoding;
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    return tokenizer.decode(ids, skipSpecialTokens);
  }

  @Override
  public int vocabularySize() {
    return tokenizer.vocabularySize();
  }

  @Override
  public OptionalInt bosTokenId() {
    return tokenizer.bosTokenId();
  }

  @Override
  public List<Integer> eosTokenIds() {
    return tokenizer.eosTokenIds();
  }

  @Override
  public String tokenText(int id) {
    return tokenizer.tokenText(id);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
