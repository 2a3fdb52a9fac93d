package dev.iclab.lm.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Hugging Face {@code config.json}, read with typed accessors whose errors name the file and the
 * key. Architecture configs map it to records in one constructor each.
 */
public final class HfConfig {
  public static final String FILE = "config.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final ObjectNode root;

  public HfConfig(Path path, ObjectNode root) {
    this.path = path;
    this.root = root;
  }

  /**
   * Reads {@code dir/config.json}.
   *
   * @throws ConfigException if it is missing or not a JSON object
   */
  public static HfConfig read(Path directory) {
    Path path = directory.resolve(FILE);
    try {
      JsonNode node = JSON.readTree(Files.readString(path));
      if (node == null || !node.isObject()) {
        throw new ConfigException("%s is not a JSON object".formatted(path));
      }
      return new HfConfig(path, (ObjectNode) node);
    } catch (NoSuchFileException e) {
      throw new ConfigException(
              "no config.json in %s; point --model at a Hugging Face model directory (config.json + model.safetensors + tokenizer.json)"
                  .formatted(directory))
          .causedBy(e);
    } catch (IOException e) {
      throw new ConfigException("cannot parse %s: %s".formatted(path, e.getMessage())).causedBy(e);
    }
  }

  /** Reads an optional JSON file beside config.json (e.g. generation_config.json). */
  public static Optional<HfConfig> readOptional(Path directory, String name) {
    Path path = directory.resolve(name);
    if (!Files.exists(path)) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(Files.readString(path));
      return node != null && node.isObject()
          ? Optional.of(new HfConfig(path, (ObjectNode) node))
          : Optional.empty();
    } catch (IOException e) {
      throw new ConfigException("cannot parse %s: %s".formatted(path, e.getMessage())).causedBy(e);
    }
  }

  public Path path() {
    return path;
  }

  public ObjectNode json() {
    return root.deepCopy();
  }

  /** Whether the key is present with a non-null value. */
  public boolean has(String key) {
    JsonNode node = root.get(key);
    return node != null && !node.isNull();
  }

  public JsonNode node(String key) {
    return root.get(key);
  }

  public String string(String key) {
    return required(key).asText();
  }

  public String string(String key, String fallback) {
    return has(key) ? root.get(key).asText() : fallback;
  }

  public int integer(String key) {
    JsonNode node = required(key);
    if (!isWholeInt(node)) {
      throw invalid(key, node, "an integer");
    }
    return node.asInt();
  }

  public int integer(String key, int fallback) {
    return has(key) ? integer(key) : fallback;
  }

  /** An integer that must be at least 1 (a size or a count). */
  public int positiveInteger(String key) {
    return requirePositive(key, integer(key));
  }

  /** As {@link #positiveInteger(String)}, with a default when the key is absent. */
  public int positiveInteger(String key, int fallback) {
    return has(key) ? positiveInteger(key) : fallback;
  }

  private int requirePositive(String key, int value) {
    if (value < 1) {
      throw new ConfigException(
          "%s: '%s' is %d but must be at least 1; fix config.json (is it the model's own?)"
              .formatted(path, key, value));
    }
    return value;
  }

  /**
   * A number that must be finite and above zero (a normalisation epsilon, a rotary base); a zero or
   * negative epsilon makes the norm divide by zero or take the root of a negative.
   */
  public double positiveNumber(String key, double fallback) {
    double value = number(key, fallback);
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new ConfigException(
          "%s: '%s' is %s but must be a finite number above 0 (e.g. %s); fix config.json"
              .formatted(path, key, root.get(key), fallback));
    }
    return value;
  }

  /** Integers, and floating-point numbers without a fraction (2048.0), within int range. */
  private static boolean isWholeInt(JsonNode node) {
    if (node.isIntegralNumber()) {
      return node.canConvertToInt();
    }
    return node.isFloatingPointNumber()
        && node.canConvertToInt()
        && node.asDouble() == Math.rint(node.asDouble());
  }

  public double number(String key) {
    JsonNode node = required(key);
    if (!node.isNumber()) {
      throw invalid(key, node, "a number");
    }
    return node.asDouble();
  }

  public double number(String key, double fallback) {
    return has(key) ? number(key) : fallback;
  }

  public boolean bool(String key, boolean fallback) {
    if (!has(key)) {
      return fallback;
    }
    JsonNode node = root.get(key);
    if (!node.isBoolean()) {
      throw invalid(key, node, "true or false");
    }
    return node.asBoolean();
  }

  /** An integer or a list of integers (e.g. eos_token_id); empty when absent. */
  public List<Integer> integers(String key) {
    List<Integer> values = new ArrayList<>();
    if (!has(key)) {
      return values;
    }
    JsonNode node = root.get(key);
    if (node.isArray()) {
      for (JsonNode n : node) {
        if (!isWholeInt(n)) {
          throw invalid(key, node, "an integer or a list of integers");
        }
        values.add(n.asInt());
      }
    } else if (isWholeInt(node)) {
      values.add(node.asInt());
    } else {
      throw invalid(key, node, "an integer or a list of integers");
    }
    return values;
  }

  private JsonNode required(String key) {
    if (!has(key)) {
      throw new ConfigException(
          "%s lacks required key '%s'; the file is incomplete or for another architecture"
              .formatted(path, key));
    }
    return root.get(key);
  }

  private ConfigException invalid(String key, JsonNode node, String expected) {
    return new ConfigException(
        "%s: '%s' is %s, expected %s".formatted(path, key, node.toString(), expected));
  }

  /** Fails naming the key when a setting the runtime does not implement is present. */
  public ConfigException unsupported(String key, String what, String todo) {
    return new ConfigException(
        "%s: '%s' = %s is not supported (%s); %s".formatted(path, key, root.get(key), what, todo));
  }
}
