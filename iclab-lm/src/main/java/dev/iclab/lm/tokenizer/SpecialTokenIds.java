package dev.iclab.lm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * BOS and EOS ids of a model directory, looked up the way Hugging Face does for generation.
 *
 * <p>Precedence, first file that names the token wins:
 *
 * <ol>
 *   <li>{@code generation_config.json} {@code bos_token_id} / {@code eos_token_id}: what {@code
 *       generate()} uses;
 *   <li>{@code config.json}, the same keys: {@code GenerationConfig.from_model_config} falls back
 *       to them;
 *   <li>{@code special_tokens_map.json} {@code bos_token} / {@code eos_token} (a string or an
 *       {@code AddedToken} object), mapped to its id through the vocabulary: transformers lets this
 *       file override tokenizer_config.json;
 *   <li>{@code tokenizer_config.json}, the same keys.
 * </ol>
 *
 * A JSON {@code null} counts as absent. {@code eos_token_id} may be a list (Llama 3).
 */
record SpecialTokenIds(OptionalInt bos, List<Integer> eos) {
  private static final ObjectMapper JSON = new ObjectMapper();

  SpecialTokenIds {
    eos = List.copyOf(eos);
  }

  static SpecialTokenIds resolve(Path modelDir, Vocabulary vocabulary) {
    List<JsonNode> idFiles =
        List.of(
            read(modelDir.resolve("generation_config.json")),
            read(modelDir.resolve("config.json")));
    List<Path> tokenFiles =
        List.of(
            modelDir.resolve("special_tokens_map.json"), modelDir.resolve("tokenizer_config.json"));
    List<Integer> bos = ids(idFiles, "bos_token_id");
    if (bos.isEmpty()) {
      bos = tokenId(tokenFiles, "bos_token", vocabulary);
    }
    List<Integer> eos = ids(idFiles, "eos_token_id");
    if (eos.isEmpty()) {
      eos = tokenId(tokenFiles, "eos_token", vocabulary);
    }
    return new SpecialTokenIds(
        bos.isEmpty() ? OptionalInt.empty() : OptionalInt.of(bos.get(0)), eos);
  }

  private static List<Integer> ids(List<JsonNode> files, String key) {
    for (JsonNode file : files) {
      JsonNode value = file.path(key);
      if (value.isInt()) {
        return List.of(value.asInt());
      }
      if (value.isArray() && !value.isEmpty()) {
        List<Integer> ids = new ArrayList<>();
        value.forEach(id -> ids.add(id.asInt()));
        return ids;
      }
    }
    return List.of();
  }

  private static List<Integer> tokenId(List<Path> files, String key, Vocabulary vocabulary) {
    for (Path file : files) {
      JsonNode value = read(file).path(key);
      String token = value.isObject() ? value.path("content").asText(null) : value.asText(null);
      if (value.isNull() || value.isMissingNode() || token == null) {
        continue;
      }
      Optional<Integer> id = vocabulary.id(token);
      if (id.isEmpty()) {
        throw new IclabException(
            "%s names %s '%s', which is not in the tokenizer's vocabulary; fix the file or set %s_id in generation_config.json"
                .formatted(file, key, token, key));
      }
      return List.of(id.get());
    }
    return List.of();
  }

  /** The file's JSON, or a missing node when there is no such file. */
  private static JsonNode read(Path file) {
    if (!Files.isRegularFile(file)) {
      return JSON.missingNode();
    }
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IclabException(
          "cannot read %s: %s; fix or delete the file".formatted(file, e.getMessage()), e);
    }
  }
}
