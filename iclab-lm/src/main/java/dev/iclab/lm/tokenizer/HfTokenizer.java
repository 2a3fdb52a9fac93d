package dev.iclab.lm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.tensor.Tensors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer, run by the Rust tokenizers library through DJL's
 * wrapper, offline.
 *
 * <p>Truncation and padding are off: DJL's wrapper otherwise truncates every text to 512 tokens
 * without saying so. Decoding is the tokenizers library's own; transformers' extra {@code
 * clean_up_tokenization_spaces} pass (which turns {@code " ."} into {@code "."}) is not applied, so
 * {@code decode(encode(text, false))} gives {@code text} back for lossless tokenizers.
 *
 * <p>BOS and EOS ids come from the model directory's files, see {@link #load(Path)}. Close the
 * tokenizer to free its native memory.
 */
public final class HfTokenizer implements Tokenizer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> DJL_OPTIONS =
      Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true");

  private final HuggingFaceTokenizer tokenizer;
  private final Vocabulary vocabulary;
  private final SpecialTokenIds specialTokens;

  private HfTokenizer(
      HuggingFaceTokenizer tokenizer, Vocabulary vocabulary, SpecialTokenIds specialTokens) {
    this.tokenizer = tokenizer;
    this.vocabulary = vocabulary;
    this.specialTokens = specialTokens;
  }

  /**
   * Loads the tokenizer of a model directory.
   *
   * <p>The directory must hold {@code tokenizer.json}; a GPT-2 style directory with only {@code
   * vocab.json} + {@code merges.txt} (and {@code tokenizer_config.json} saying {@code
   * GPT2Tokenizer}) is converted the way transformers does. BOS/EOS ids are taken, first match
   * wins, from {@code generation_config.json}, {@code config.json}, {@code special_tokens_map.json}
   * and {@code tokenizer_config.json} (the last two name tokens, looked up in the vocabulary).
   *
   * @param modelDir a Hugging Face model directory
   * @return a tokenizer the caller closes
   * @throws IclabException when the directory has no usable tokenizer files or a file is malformed;
   *     the message names the directory and what to copy there
   */
  public static HfTokenizer load(Path modelDir) {
    Path tokenizerFile = modelDir.resolve("tokenizer.json");
    JsonNode tokenizerJson;
    Path source;
    if (Files.isRegularFile(tokenizerFile)) {
      tokenizerJson = readJson(tokenizerFile);
      source = tokenizerFile;
    } else if (SlowGpt2Files.present(modelDir)) {
      tokenizerJson = SlowGpt2Files.toTokenizerJson(modelDir, JSON);
      source = modelDir.resolve("vocab.json");
    } else {
      throw new IclabException(
          ("no tokenizer.json in %s; copy tokenizer.json from the model's hub repository into"
                  + " that directory (or vocab.json + merges.txt for a GPT-2 style tokenizer)")
              .formatted(modelDir.toAbsolutePath()));
    }
    Vocabulary vocabulary = Vocabulary.of(tokenizerJson, source);
    SpecialTokenIds specialTokens = SpecialTokenIds.resolve(modelDir, vocabulary);
    return new HfTokenizer(newDjlTokenizer(tokenizerJson, source), vocabulary, specialTokens);
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IclabException(
          "cannot parse %s: %s; copy it again from the model's hub repository"
              .formatted(file, e.getMessage()),
          e);
    }
  }

  private static HuggingFaceTokenizer newDjlTokenizer(JsonNode tokenizerJson, Path source) {
    // DJL reports home and downloads natives unless told it is offline.
    Tensors.configureOffline();
    byte[] bytes = tokenizerJson.toString().getBytes(StandardCharsets.UTF_8);
    try {
      return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), DJL_OPTIONS);
    } catch (IOException | RuntimeException e) {
      throw new IclabException(
          "the tokenizers library rejected %s: %s; copy tokenizer.json again from the model's hub"
                  .formatted(source, e.getMessage())
              + " repository",
          e);
    }
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    Objects.requireNonNull(text, "text");
    long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, addSpecialTokens);
    return idsOf(encoding);
  }

  /**
   * One call into the library for all the texts, which it encodes on its own threads; only the ids
   * are read back (DJL's {@code Encoding} also copies every token's string, masks and offsets,
   * which no caller of this method reads).
   */
  @Override
  public List<int[]> encodeAll(List<String> texts, boolean addSpecialTokens) {
    for (String text : texts) {
      Objects.requireNonNull(text, "text");
    }
    if (texts.size() < 2) {
      return texts.stream().map(text -> encode(text, addSpecialTokens)).toList();
    }
    long[] encodings =
        TokenizersLibrary.LIB.batchEncode(
            tokenizer.getHandle(), texts.toArray(String[]::new), addSpecialTokens);
    List<int[]> all = new ArrayList<>(encodings.length);
    int next = 0;
    try {
      for (; next < encodings.length; next++) {
        all.add(idsOf(encodings[next]));
      }
    } finally {
      for (int i = next + 1; i < encodings.length; i++) {
        TokenizersLibrary.LIB.deleteEncoding(encodings[i]);
      }
    }
    return all;
  }

  /**
   * The ids of a native encoding, which is freed. The texts go to the library as they are: the
   * wrapper's own preparation (prefix space, lower case, accents) is off in {@link #DJL_OPTIONS}.
   */
  private static int[] idsOf(long encoding) {
    try {
      return toInts(TokenizersLibrary.LIB.getTokenIds(encoding));
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
  }

  @Override
  public Encoding encodeWithOffsets(String text) {
    Objects.requireNonNull(text, "text");
    ai.djl.huggingface.tokenizers.Encoding encoding = tokenizer.encode(text, false, false);
    CharSpan[] spans = encoding.getCharTokenSpans();
    // The library counts offsets in Unicode code points; Java strings index UTF-16 chars.
    int[] charIndex = new int[text.codePointCount(0, text.length()) + 1];
    for (int cp = 0, c = 0; cp < charIndex.length; cp++) {
      charIndex[cp] = c;
      if (c < text.length()) {
        c += Character.charCount(text.codePointAt(c));
      }
    }
    int[] starts = new int[spans.length];
    int[] ends = new int[spans.length];
    for (int i = 0; i < spans.length; i++) {
      // A span is null for a token with no source text; give it an empty span where the last ended.
      int previousEnd = i == 0 ? 0 : ends[i - 1];
      starts[i] = spans[i] == null ? previousEnd : charIndex[spans[i].getStart()];
      ends[i] = spans[i] == null ? previousEnd : charIndex[spans[i].getEnd()];
    }
    return new Encoding(toInts(encoding.getIds()), starts, ends);
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    // The library silently drops unknown ids; a caller passing one has a bug worth seeing.
    vocabulary.checkIds(ids);
    long[] longIds = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      longIds[i] = ids[i];
    }
    return tokenizer.decode(longIds, skipSpecialTokens);
  }

  @Override
  public int vocabularySize() {
    return vocabulary.size();
  }

  @Override
  public OptionalInt bosTokenId() {
    return specialTokens.bos();
  }

  @Override
  public List<Integer> eosTokenIds() {
    return specialTokens.eos();
  }

  @Override
  public String tokenText(int id) {
    return vocabulary.token(id);
  }

  @Override
  public void close() {
    tokenizer.close();
  }

  private static int[] toInts(long[] ids) {
    int[] result = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      result[i] = Math.toIntExact(ids[i]);
    }
    return result;
  }
}
