package dev.iclab.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.tensor.SharedAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
  private static final String CASE_SEPARATOR = "\n__ggml_vocab_test__\n";

  /** One llama.cpp vector: the text and HF's encode(text, add_special_tokens=False). */
  record TokenizerCase(int index, String text, int[] ids) {}

  static List<TokenizerCase> gpt2Cases() throws IOException {
    Path inputs = SharedAssets.require("tokenizer-cases/ggml-vocab-gpt-2.gguf.inp");
    Path outputs = SharedAssets.require("tokenizer-cases/ggml-vocab-gpt-2.gguf.out");
    String[] texts = Files.readString(inputs, StandardCharsets.UTF_8).split(CASE_SEPARATOR, -1);
    List<String> idLines = Files.readAllLines(outputs, StandardCharsets.UTF_8);
    // The piece after the last separator is empty and not a case.
    assertEquals(texts.length - 1, idLines.size(), "one .out line per .inp case");
    List<TokenizerCase> cases = new ArrayList<>();
    for (int i = 0; i < idLines.size(); i++) {
      String line = idLines.get(i).trim();
      int[] ids =
          line.isEmpty()
              ? new int[0]
              : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
      cases.add(new TokenizerCase(i, texts[i], ids));
    }
    return cases;
  }

  @TestFactory
  Stream<DynamicTest> gpt2CasesEncodeToReferenceIdsAndDecodeBack() throws IOException {
    List<TokenizerCase> cases = gpt2Cases();
    assertEquals(46, cases.size());
    HfTokenizer tokenizer = HfTokenizer.load(SharedAssets.require("models/gpt2-tokenizer"));
    return casesAgainst(tokenizer, cases).onClose(tokenizer::close);
  }

  @TestFactory
  Stream<DynamicTest> gpt2SlowFilesConvertToTheSameTokenizer(@TempDir Path dir) throws IOException {
    Path source = SharedAssets.require("models/gpt2-tokenizer");
    for (String file : List.of("vocab.json", "merges.txt", "tokenizer_config.json")) {
      Files.copy(source.resolve(file), dir.resolve(file));
    }
    HfTokenizer tokenizer = HfTokenizer.load(dir);
    return casesAgainst(tokenizer, gpt2Cases()).onClose(tokenizer::close);
  }

  private static Stream<DynamicTest> casesAgainst(
      HfTokenizer tokenizer, List<TokenizerCase> cases) {
    return cases.stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    "case " + c.index(),
                    () -> {
                      int[] ids = tokenizer.encode(c.text(), false);
                      assertArrayEquals(c.ids(), ids, () -> "ids of " + quoted(c.text()));
                      assertEquals(c.text(), tokenizer.decode(ids), "round trip");
                    }));
  }

  @Test
  void tinyStoriesPromptsEncodeWithBosToReferenceIds() throws IOException {
    Path model = SharedAssets.require("models/tinystories-656k");
    JsonNode cases =
        new ObjectMapper().readTree(model.resolve("reference_outputs.json").toFile()).get("cases");
    assertTrue(cases.size() > 0, "reference cases present");
    try (HfTokenizer tokenizer = HfTokenizer.load(model)) {
      for (JsonNode c : cases) {
        String prompt = c.get("prompt").asText();
        int[] expected = new int[c.get("input_ids").size()];
        for (int i = 0; i < expected.length; i++) {
          expected[i] = c.get("input_ids").get(i).asInt();
        }
        int[] ids = tokenizer.encode(prompt);
        assertArrayEquals(expected, ids, () -> "ids of " + quoted(prompt));
        assertEquals(prompt, tokenizer.decode(ids, true), "decode without BOS");
      }
      assertEquals(OptionalInt.of(1), tokenizer.bosTokenId());
      assertEquals(List.of(2), tokenizer.eosTokenIds());
      assertEquals(OptionalInt.of(2), tokenizer.eosTokenId());
      assertEquals(2048, tokenizer.vocabularySize());
      assertEquals("<|start_story|>", tokenizer.tokenText(1));
    }
  }

  @Test
  void encodeAllGivesEachTextItsOwnIdsUnpaddedAndUntruncated() throws IOException {
    List<TokenizerCase> cases = gpt2Cases();
    List<String> texts = new ArrayList<>(cases.stream().map(TokenizerCase::text).toList());
    texts.add(" hello".repeat(2000)); // 2000 tokens: neither truncated nor a padding length
    try (HfTokenizer tokenizer = HfTokenizer.load(SharedAssets.require("models/gpt2-tokenizer"))) {
      List<int[]> all = tokenizer.encodeAll(texts, false);
      assertEquals(texts.size(), all.size());
      for (TokenizerCase c : cases) {
        assertArrayEquals(c.ids(), all.get(c.index()), () -> "ids of " + quoted(c.text()));
      }
      assertEquals(2000, all.get(cases.size()).length);
      assertArrayEquals(tokenizer.encode("a b"), tokenizer.encodeAll(List.of("a b"), true).get(0));
      assertEquals(List.of(), tokenizer.encodeAll(List.of(), true));
    }
    Path model = SharedAssets.require("models/tinystories-656k");
    try (HfTokenizer stories = HfTokenizer.load(model)) {
      List<String> prompts = List.of("Once upon a time", "", "The dog ran. It was happy.");
      List<int[]> withBos = stories.encodeAll(prompts, true);
      List<int[]> without = stories.encodeAll(prompts, false);
      for (int i = 0; i < prompts.size(); i++) {
        assertArrayEquals(stories.encode(prompts.get(i), true), withBos.get(i));
        assertArrayEquals(stories.encode(prompts.get(i), false), without.get(i));
        assertEquals(1, withBos.get(i)[0], "BOS first");
      }
    }
  }

  @Test
  void longTextIsNotTruncatedTo512Tokens() {
    try (HfTokenizer tokenizer = HfTokenizer.load(SharedAssets.require("models/gpt2-tokenizer"))) {
      int[] ids = tokenizer.encode(" hello".repeat(2000));
      assertEquals(2000, ids.length, "' hello' is one GPT-2 token; none may be dropped");
      assertTrue(Arrays.stream(ids).allMatch(id -> id == ids[0]));
    }
  }

  @Test
  void emptyTextGivesNoIds() {
    try (HfTokenizer gpt2 = HfTokenizer.load(SharedAssets.require("models/gpt2-tokenizer"));
        HfTokenizer stories = HfTokenizer.load(SharedAssets.require("models/tinystories-656k"))) {
      assertArrayEquals(new int[0], gpt2.encode(""));
      assertArrayEquals(new int[0], gpt2.encode("", false));
      assertArrayEquals(new int[0], stories.encode("", false));
      // As in HF: the post-processor still adds BOS to an empty text.
      assertArrayEquals(new int[] {1}, stories.encode(""));
      assertEquals("", gpt2.decode(new int[0]));
    }
  }

  @Test
  void gpt2SpecialTokensAndVocabulary() {
    try (HfTokenizer tokenizer = HfTokenizer.load(SharedAssets.require("models/gpt2-tokenizer"))) {
      // No config.json or generation_config.json: ids come from special_tokens_map.json.
      assertEquals(OptionalInt.of(50256), tokenizer.bosTokenId());
      assertEquals(List.of(50256), tokenizer.eosTokenIds());
      assertEquals(50257, tokenizer.vocabularySize());
      assertEquals("Ġ", tokenizer.tokenText(220));
      assertEquals("<|endoftext|>", tokenizer.tokenText(50256));
      assertEquals("Hello<|endoftext|>", tokenizer.decode(new int[] {15496, 50256}));
      assertEquals("Hello", tokenizer.decode(new int[] {15496, 50256}, true));
      assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenText(50257));
      assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {-1}));
      assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {50257}));
    }
  }

  @Test
  void offsetsAreJavaCharIndices() {
    String text = "héllo 🦙 wörld";
    try (HfTokenizer tokenizer = HfTokenizer.load(SharedAssets.require("models/gpt2-tokenizer"))) {
      Encoding encoding = tokenizer.encodeWithOffsets(text);
      assertArrayEquals(tokenizer.encode(text, false), encoding.ids());
      assertEquals(text.length(), encoding.end(encoding.size() - 1), "last token ends the text");
      StringBuilder covered = new StringBuilder();
      for (int i = 0; i < encoding.size(); i++) {
        assertTrue(encoding.start(i) <= encoding.end(i));
        if (i == 0 || encoding.start(i) >= encoding.end(i - 1)) {
          covered.append(text, encoding.start(i), encoding.end(i));
        }
        if (tokenizer.tokenText(encoding.ids()[i]).equals("¦")) {
          // The llama emoji is four UTF-8 bytes split over three tokens; each spans the whole
          // surrogate pair, not half of it.
          assertEquals("🦙", text.substring(encoding.start(i), encoding.end(i)));
        }
      }
      assertEquals(text, covered.toString(), "spans of non-overlapping tokens tile the text");
    }
  }

  @Test
  void slowGpt2FilesWithToyVocabulary() {
    Path model = SharedAssets.require("models/tiny-gpt2-random-vocab21");
    try (HfTokenizer tokenizer = HfTokenizer.load(model)) {
      // Expected ids from HF's GPT-2 tokenizer test fixture, as recorded in SOURCE.txt.
      assertArrayEquals(new int[] {14, 15, 10, 9, 3, 2, 15}, tokenizer.encode(" lower newer"));
      assertEquals(" lower newer", tokenizer.decode(tokenizer.encode(" lower newer")));
      assertEquals(21, tokenizer.vocabularySize());
      assertEquals(List.of(20), tokenizer.eosTokenIds());
    }
  }

  @Test
  void generationConfigTakesPrecedenceAndEosMayBeAList(@TempDir Path dir) throws IOException {
    Files.copy(
        SharedAssets.require("models/gpt2-tokenizer/tokenizer.json"),
        dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("config.json"), "{\"bos_token_id\": 0, \"eos_token_id\": 0}");
    Files.writeString(
        dir.resolve("generation_config.json"),
        "{\"bos_token_id\": null, \"eos_token_id\": [50256, 198]}");
    try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
      assertEquals(OptionalInt.of(0), tokenizer.bosTokenId(), "null falls through to config.json");
      assertEquals(List.of(50256, 198), tokenizer.eosTokenIds());
      assertEquals(OptionalInt.of(50256), tokenizer.eosTokenId());
    }
  }

  @Test
  void specialTokenOutsideTheVocabularyIsReported(@TempDir Path dir) throws IOException {
    Files.copy(
        SharedAssets.require("models/gpt2-tokenizer/tokenizer.json"),
        dir.resolve("tokenizer.json"));
    Files.writeString(
        dir.resolve("special_tokens_map.json"), "{\"eos_token\": {\"content\": \"<eos>\"}}");
    IclabException error = assertThrows(IclabException.class, () -> HfTokenizer.load(dir));
    assertTrue(error.getMessage().contains("special_tokens_map.json"), error.getMessage());
    assertTrue(error.getMessage().contains("<eos>"), error.getMessage());
  }

  @Test
  void missingTokenizerJsonSaysWhereAndWhatToDo(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("config.json"), "{}");
    IclabException error = assertThrows(IclabException.class, () -> HfTokenizer.load(dir));
    assertTrue(error.getMessage().contains(dir.toString()), error.getMessage());
    assertTrue(error.getMessage().contains("copy tokenizer.json"), error.getMessage());
  }

  @Test
  void slowFilesOfAnotherTokenizerClassAreRefused(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0}");
    Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"Foo\"}");
    IclabException error = assertThrows(IclabException.class, () -> HfTokenizer.load(dir));
    assertTrue(error.getMessage().contains("GPT2Tokenizer"), error.getMessage());
    assertTrue(error.getMessage().contains("Foo"), error.getMessage());
  }

  @Test
  void malformedTokenizerJsonNamesTheFile(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 0}}}");
    IclabException error = assertThrows(IclabException.class, () -> HfTokenizer.load(dir));
    assertTrue(error.getMessage().contains("tokenizer.json"), error.getMessage());
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\n", "\\n").replace("\t", "\\t") + "\"";
  }
}
