package dev.iclab.lm.tokenizer;

import java.util.List;
import java.util.OptionalInt;

/**
 * Text to token ids and back, for one model.
 *
 * <p>Ids are never truncated or padded: a text of any length gives all its tokens, and callers that
 * need a context limit check it themselves. Implementations are safe to share between threads for
 * encoding and decoding; the owner closes the tokenizer once, when no thread uses it.
 */
public interface Tokenizer extends AutoCloseable {

  /**
   * Encodes {@code text} with the special tokens the tokenizer's post-processor adds (for example
   * the BOS token of a Llama tokenizer; nothing for GPT-2).
   */
  default int[] encode(String text) {
    return encode(text, true);
  }

  /**
   * Encodes {@code text}; with {@code addSpecialTokens} false only the text's own tokens come back,
   * so an empty text gives an empty array.
   */
  int[] encode(String text, boolean addSpecialTokens);

  /**
   * {@link #encode(String, boolean)} of each text, in order. An implementation may encode them
   * together (the Rust library spreads a batch over its threads); the ids are the same.
   */
  default List<int[]> encodeAll(List<String> texts, boolean addSpecialTokens) {
    return texts.stream().map(text -> encode(text, addSpecialTokens)).toList();
  }

  /**
   * Encodes {@code text} without special tokens and reports where each token came from.
   *
   * @see Encoding for the offset convention
   */
  Encoding encodeWithOffsets(String text);

  /** Decodes ids to text, special tokens included. */
  default String decode(int[] ids) {
    return decode(ids, false);
  }

  /**
   * Decodes ids to text, leaving out special tokens (BOS, EOS, padding...) when {@code
   * skipSpecialTokens} is true.
   *
   * @throws IllegalArgumentException if an id is outside {@code [0, vocabularySize())}
   */
  String decode(int[] ids, boolean skipSpecialTokens);

  /**
   * The number of token ids the tokenizer knows, added tokens included: one more than the largest
   * id. A model's embedding table may be larger (padded vocabularies).
   */
  int vocabularySize();

  /** The id of the beginning-of-sequence token, if the model has one. */
  OptionalInt bosTokenId();

  /**
   * The ids that end a generation, in the order the model's files list them; empty when the model
   * names none. Some models stop at several ids (Llama 3: end of text and end of turn).
   */
  List<Integer> eosTokenIds();

  /** The first of {@link #eosTokenIds()}, if any. */
  default OptionalInt eosTokenId() {
    List<Integer> ids = eosTokenIds();
    return ids.isEmpty() ? OptionalInt.empty() : OptionalInt.of(ids.get(0));
  }

  /**
   * The raw vocabulary string of a token, as stored in the tokenizer (byte-level tokens keep their
   * {@code Ġ}, SentencePiece tokens their {@code ▁}); not the decoded text.
   *
   * @throws IllegalArgumentException if no token has this id
   */
  String tokenText(int id);

  /** Frees the native tokenizer; idempotent. */
  @Override
  void close();
}
