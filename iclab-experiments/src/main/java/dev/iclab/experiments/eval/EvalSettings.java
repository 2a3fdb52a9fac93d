package dev.iclab.experiments.eval;

import static com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.data.io.YamlOrJson;
import dev.iclab.icl.Calibration;
import dev.iclab.icl.Order;
import dev.iclab.icl.run.EvalConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The settings of {@code iclab eval} as given: flags, over a YAML/JSON config file whose keys are
 * the flags' long names with underscores, over the defaults. {@link #config} resolves them into the
 * one typed {@link EvalConfig} that run.json records and a resume compares.
 */
public final class EvalSettings {
  private static final Set<String> INTEGER_KEYS = Set.of("limit", "eval_cap", "batch_size");

  /** The settings that take a list and span the grid of runs: each combination is one run. */
  public static final List<String> GRID_KEYS =
      List.of("shots", "seeds", "select", "order", "labels", "scoring", "calibrate");

  private static final Set<String> CONFIG_KEYS =
      Set.copyOf(
          Stream.of(
                  List.of("model", "device", "task", "task_file", "data_dir"),
                  GRID_KEYS,
                  List.of("limit", "eval_cap", "skip_bad_rows", "batch_size", "out"))
              .flatMap(List::stream)
              .toList());

  private final Map<String, ?> flags;
  private final JsonNode file;

  private EvalSettings(Map<String, ?> flags, JsonNode file) {
    this.flags = flags;
    this.file = file;
  }

  /**
   * Reads {@code configFile} (null: none) under the flags.
   *
   * @param flags the flags given on the command line by config key ({@code eval_cap}); a null value
   *     is a flag not given
   * @throws IclabException for a file that does not parse, an unknown key or a value of the wrong
   *     type
   */
  public static EvalSettings of(Map<String, ?> flags, Path configFile) {
    return new EvalSettings(flags, readConfig(configFile));
  }

  /** The model as given (a directory or a hub id). */
  public String model() {
    String model = pick("model", null);
    if (model == null) {
      throw new IclabException("no model: pass --model DIR or set `model:` in --config");
    }
    return model;
  }

  /** The run folder. */
  public Path out() {
    String out = pick("out", null);
    if (out == null) {
      throw new IclabException("no output folder: pass --out DIR or set `out:` in --config");
    }
    return Path.of(out);
  }

  public String device() {
    return pick("device", "cpu");
  }

  /** The resolved run, checked; {@code modelDir} is the model directory {@link #model} names. */
  public EvalConfig config(Path modelDir) {
    return new EvalConfig(
        modelDir.normalize().toString(),
        pick("task", null),
        pick("task_file", null),
        Path.of(pick("data_dir", DatasetLoader.DEFAULT_DATA_DIR)).normalize().toString(),
        numbers(pick("shots", "0,1,4"), "shots", Integer::parseInt),
        numbers(pick("seeds", "1,2,3"), "seeds", Long::parseLong),
        selectors(pick("select", "random")),
        split(pick("order", "given")).stream().map(Order::parse).toList(),
        split(pick("labels", "gold")),
        split(pick("scoring", "sum")),
        split(pick("calibrate", "none")).stream().map(Calibration::parse).toList(),
        flags.get("limit") != null ? (Integer) flags.get("limit") : intOrNull("limit"),
        flags.get("eval_cap") != null
            ? (Integer) flags.get("eval_cap")
            : file.path("eval_cap").asInt(2000),
        1,
        flags.get("skip_bad_rows") != null
            ? (Boolean) flags.get("skip_bad_rows")
            : file.path("skip_bad_rows").asBoolean(false),
        flags.get("batch_size") != null
            ? (Integer) flags.get("batch_size")
            : file.path("batch_size").asInt(EvalConfig.DEFAULT_BATCH_SIZE));
  }

  private static JsonNode readConfig(Path configFile) {
    if (configFile == null) {
      return new ObjectMapper().createObjectNode();
    }
    JsonNode node;
    try {
      node =
          YamlOrJson.mapper(configFile)
              .enable(FAIL_ON_TRAILING_TOKENS)
              .readTree(Files.readString(configFile));
    } catch (IOException e) {
      throw new IclabException(
          "--config %s cannot be read or does not parse: %s"
              .formatted(configFile, e.getMessage().lines().findFirst().orElse("")));
    }
    if (node == null || !node.isObject()) {
      throw new IclabException(
          "--config %s must be a mapping of keys such as task, shots, seeds".formatted(configFile));
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!CONFIG_KEYS.contains(key)) {
        throw new IclabException(
            "--config %s: unknown key '%s'; known keys: %s"
                .formatted(
                    configFile, key, String.join(", ", CONFIG_KEYS.stream().sorted().toList())));
      }
      checkType(configFile, key, node.get(key));
    }
    return node;
  }

  /**
   * A value of the wrong type is named as such here, rather than read as 0, false or an empty list
   * and reported later as some other error.
   */
  private static void checkType(Path configFile, String key, JsonNode value) {
    String expected = null;
    if (value.isNull()) {
      return;
    } else if (INTEGER_KEYS.contains(key)) {
      expected = value.isIntegralNumber() && value.canConvertToInt() ? null : "an integer";
    } else if (key.equals("skip_bad_rows")) {
      expected = value.isBoolean() ? null : "true or false";
    } else if (value.isContainerNode()) {
      boolean scalarList = value.isArray();
      for (JsonNode element : value) {
        scalarList &= element.isValueNode();
      }
      expected = scalarList ? null : "a value or a list of values";
    }
    if (expected != null) {
      throw new IclabException(
          "--config %s: '%s' is %s, expected %s".formatted(configFile, key, value, expected));
    }
  }

  /** The flag if given, else the config file's value (a list becomes "a,b"), else the default. */
  private String pick(String key, String fallback) {
    if (flags.get(key) != null) {
      return flags.get(key).toString();
    }
    JsonNode node = file.get(key);
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (node.isArray()) {
      List<String> values = new ArrayList<>();
      node.forEach(v -> values.add(v.asText()));
      return String.join(",", values);
    }
    return node.asText();
  }

  private Integer intOrNull(String key) {
    JsonNode node = file.get(key);
    return node == null || node.isNull() ? null : node.asInt();
  }

  private static List<String> split(String list) {
    return Stream.of(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** Splits on commas, keeping the ids of {@code fixed:ID,ID,...} together. */
  static List<String> selectors(String list) {
    List<String> out = new ArrayList<>();
    for (String token : split(list)) {
      boolean known =
          token.equals("random")
              || token.equals("balanced")
              || token.equals("bm25")
              || token.equals("knn")
              || token.startsWith("fixed:");
      if (!known && !out.isEmpty() && out.get(out.size() - 1).startsWith("fixed:")) {
        out.set(out.size() - 1, out.get(out.size() - 1) + "," + token);
      } else {
        out.add(token);
      }
    }
    return out;
  }

  private static <T> List<T> numbers(String list, String flag, Function<String, T> parse) {
    List<T> values = new ArrayList<>();
    for (String s : split(list)) {
      try {
        values.add(parse.apply(s));
      } catch (NumberFormatException e) {
        throw new IclabException(
            "--%s: '%s' is not an integer; give a comma-separated list such as 1,2,3"
                .formatted(flag, s));
      }
    }
    return values;
  }
}
