package dev.iclab.lm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@code tokenizer.json} for a GPT-2 style model that ships only the "slow" files ({@code
 * vocab.json} + {@code merges.txt}), the way transformers' {@code GPT2Converter} does: byte-level
 * BPE without unknown token, {@code ByteLevel} pre-tokenizer and decoder, BOS prepended only when
 * {@code add_bos_token} is set. DJL's own vocab+merges factory builds a bare BPE model without the
 * byte-level steps, which encodes GPT-2 text wrongly, so it is not used.
 */
final class SlowGpt2Files {
  private static final Set<String> GPT2_CLASSES = Set.of("GPT2Tokenizer", "GPT2TokenizerFast");

  private SlowGpt2Files() {}

  static boolean present(Path modelDir) {
    return Files.isRegularFile(modelDir.resolve("vocab.json"))
        && Files.isRegularFile(modelDir.resolve("merges.txt"));
  }

  /**
   * @throws IclabException when tokenizer_config.json does not say GPT2Tokenizer, or a file cannot
   *     be read
   */
  static ObjectNode toTokenizerJson(Path modelDir, ObjectMapper json) {
    Path configFile = modelDir.resolve("tokenizer_config.json");
    try {
      JsonNode config =
          Files.isRegularFile(configFile) ? json.readTree(configFile.toFile()) : json.nullNode();
      String tokenizerClass = config.path("tokenizer_class").asText("(none)");
      if (!GPT2_CLASSES.contains(tokenizerClass)) {
        throw new IclabException(
            ("%s has no tokenizer.json, and its vocab.json + merges.txt can only be converted for"
                    + " tokenizer_class GPT2Tokenizer (tokenizer_config.json says %s). Copy"
                    + " tokenizer.json from the model's hub repository.")
                .formatted(modelDir, tokenizerClass));
      }
      ObjectNode root = json.createObjectNode();
      root.put("version", "1.0");
      root.putNull("truncation");
      root.putNull("padding");
      root.set("added_tokens", addedTokens(config, json));
      root.putNull("normalizer");
      root.set(
          "pre_tokenizer", byteLevel(json, config.path("add_prefix_space").asBoolean(false), true));
      root.set("post_processor", postProcessor(config, json, modelDir));
      root.set("decoder", byteLevel(json, true, true));
      root.set("model", bpe(modelDir, json));
      return root;
    } catch (IOException e) {
      throw new IclabException(
          "cannot read the GPT-2 tokenizer files in %s: %s".formatted(modelDir, e.getMessage()), e);
    }
  }

  private static ObjectNode byteLevel(ObjectMapper json, boolean addPrefixSpace, boolean trim) {
    ObjectNode node = json.createObjectNode();
    node.put("type", "ByteLevel");
    node.put("add_prefix_space", addPrefixSpace);
    node.put("trim_offsets", trim);
    node.put("use_regex", true);
    return node;
  }

  private static ArrayNode addedTokens(JsonNode config, ObjectMapper json) {
    ArrayNode added = json.createArrayNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = config.path("added_tokens_decoder").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode token = entry.getValue();
      ObjectNode node = added.addObject();
      node.put("id", Integer.parseInt(entry.getKey()));
      node.put("content", token.path("content").asText());
      for (String flag : new String[] {"single_word", "lstrip", "rstrip", "special"}) {
        node.put(flag, token.path(flag).asBoolean(false));
      }
      node.put("normalized", token.path("normalized").asBoolean(true));
    }
    return added;
  }

  private static ObjectNode postProcessor(JsonNode config, ObjectMapper json, Path modelDir)
      throws IOException {
    if (!config.path("add_bos_token").asBoolean(false)) {
      return byteLevel(json, true, false);
    }
    String bos = config.path("bos_token").asText(null);
    JsonNode vocab = json.readTree(modelDir.resolve("vocab.json").toFile());
    if (bos == null || !vocab.has(bos)) {
      throw new IclabException(
          "%s sets add_bos_token but its bos_token '%s' is not in vocab.json; fix the file"
              .formatted(modelDir.resolve("tokenizer_config.json"), bos));
    }
    ObjectNode template = json.createObjectNode();
    template.put("type", "TemplateProcessing");
    template.set("single", template(json, bos, false));
    template.set("pair", template(json, bos, true));
    ObjectNode special = template.putObject("special_tokens").putObject(bos);
    special.put("id", bos);
    special.putArray("ids").add(vocab.get(bos).asInt());
    special.putArray("tokens").add(bos);
    return template;
  }

  private static ArrayNode template(ObjectMapper json, String bos, boolean pair) {
    ArrayNode items = json.createArrayNode();
    items.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
    items.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    if (pair) {
      items.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    }
    return items;
  }

  private static ObjectNode bpe(Path modelDir, ObjectMapper json) throws IOException {
    ObjectNode model = json.createObjectNode();
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.set("vocab", json.readTree(modelDir.resolve("vocab.json").toFile()));
    ArrayNode merges = model.putArray("merges");
    for (String line : Files.readAllLines(modelDir.resolve("merges.txt"))) {
      // The first line is a "#version: 0.2" header; blank lines carry no merge.
      if (!line.isBlank() && !line.startsWith("#version")) {
        merges.add(line);
      }
    }
    return model;
  }
}
