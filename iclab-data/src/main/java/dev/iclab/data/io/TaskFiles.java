package dev.iclab.data.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.iclab.data.DataSource;
import dev.iclab.data.DatasetException;
import dev.iclab.data.Task;
import dev.iclab.data.Template;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a user task file (YAML, or JSON by the {@code .json} extension). Keys:
 *
 * <pre>
 * name: reviews                        # required
 * labels: [negative, positive]         # label names as the data spells them (or indices 0..n-1)
 * label_words: [Negative, Positive]    # required, one per label
 * template: "Review: {text} Sentiment:"
 * answer_prefix: " "                   # optional (default one space)
 * separator: "\n"                      # optional (default newline)
 * instruction: ""                      # optional
 * fields: {text: review}               # slot -> column (or JSON key)
 * label_column: label                  # optional (default label)
 * id_column: id                        # optional (default: row index); ids must be unique
 * duplicate_ids: error                 # optional: keep-first leaves repeated ids out (counted)
 * format: csv                          # optional: tsv, csv, jsonl (default: from the extension)
 * encoding: UTF-8                      # optional
 * strip: true                          # optional: strip whitespace around fields
 * train: train.csv                     # relative to the task file's folder
 * eval: test.csv                       # or, instead, held_out: {size: 200, seed: 1}
 * </pre>
 */
public final class TaskFiles {
  /** The keys above; any other is a typo that would otherwise be ignored silently. */
  static final Set<String> KEYS =
      Set.of(
          "name",
          "labels",
          "label_words",
          "template",
          "answer_prefix",
          "separator",
          "instruction",
          "fields",
          "label_column",
          "id_column",
          "duplicate_ids",
          "format",
          "encoding",
          "strip",
          "train",
          "eval",
          "held_out");

  private TaskFiles() {}

  /**
   * @throws DatasetException when the file does not parse or a key is missing or wrong
   */
  public static Task read(Path file) {
    JsonNode root;
    try {
      root = YamlOrJson.mapper(file).readTree(file.toFile());
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new DatasetException("task file %s does not exist".formatted(file));
    } catch (JacksonException e) {
      throw new DatasetException(
          "task file %s does not parse (line %d): %s; fix its YAML/JSON syntax"
              .formatted(
                  file,
                  e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                  e.getOriginalMessage()));
    } catch (IOException e) {
      throw new DatasetException("cannot read task file %s: %s".formatted(file, e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new DatasetException(
          "task file %s is not a mapping of keys (name, labels, label_words, template, ...)"
              .formatted(file));
    }
    return parse(file, root, file.toAbsolutePath().getParent());
  }

  /**
   * Tasks listed in a YAML resource, each entry in the format above, with their files left as
   * written (relative to the data directory): the built-in tasks.
   *
   * @throws IllegalStateException when the resource is missing or does not parse (a build fault)
   */
  public static List<Task> readResource(Class<?> owner, String resource) {
    Path name = Path.of(resource);
    try (var in = owner.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("resource " + resource + " is missing from the jar");
      }
      List<Task> tasks = new ArrayList<>();
      new ObjectMapper(new YAMLFactory())
          .readTree(in)
          .forEach(t -> tasks.add(parse(name, t, null)));
      return tasks;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + resource, e);
    }
  }

  /** {@code folder}: what the task's file names are relative to; null leaves them as written. */
  private static Task parse(Path file, JsonNode root, Path folder) {
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!KEYS.contains(key)) {
        throw new DatasetException(
            "task file %s: unknown key '%s'; the keys are %s"
                .formatted(file, key, String.join(", ", new TreeSet<>(KEYS))));
      }
    }
    String name = text(file, root, "name", null);
    List<String> labels = list(file, root, "labels");
    List<String> words = list(file, root, "label_words");
    String pattern = text(file, root, "template", null);
    Template template =
        new Template(
            pattern, text(file, root, "answer_prefix", " "), text(file, root, "separator", "\n"));
    JsonNode fieldsNode = root.get("fields");
    if (fieldsNode == null || !fieldsNode.isObject() || fieldsNode.isEmpty()) {
      throw new DatasetException(
          "task file %s: 'fields' must map template slots to columns, e.g. {text: review}"
              .formatted(file));
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = fieldsNode.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      fields.put(e.getKey(), e.getValue().asText());
    }
    String trainFile = resolve(folder, text(file, root, "train", null));
    String evalName = text(file, root, "eval", "");
    Task.HeldOut heldOut = null;
    if (evalName.isEmpty()) {
      JsonNode h = root.get("held_out");
      if (h == null || !h.has("size")) {
        throw new DatasetException(
            "task file %s: give 'eval: FILE' or 'held_out: {size: N, seed: S}'".formatted(file));
      }
      heldOut = new Task.HeldOut(h.get("size").asInt(), h.path("seed").asLong(1));
    }
    String evalFile = evalName.isEmpty() ? trainFile : resolve(folder, evalName);
    Charset encoding = charset(file, text(file, root, "encoding", "UTF-8"));
    String labelColumn = text(file, root, "label_column", "label");
    String idColumn = text(file, root, "id_column", "");
    boolean strip = root.path("strip").asBoolean(true);
    boolean keepFirst = keepFirstOfDuplicateIds(file, text(file, root, "duplicate_ids", "error"));
    String formatName = text(file, root, "format", "");
    DataSource train =
        new DataSource(
            trainFile,
            format(file, trainFile, formatName),
            encoding,
            fields,
            labelColumn,
            idColumn.isEmpty() ? null : idColumn,
            strip,
            keepFirst);
    return new Task(
        name,
        labels,
        words,
        template,
        text(file, root, "instruction", ""),
        train,
        evalName.isEmpty() ? train : train.withFile(evalFile, format(file, evalFile, formatName)),
        heldOut);
  }

  private static String resolve(Path folder, String name) {
    return folder == null ? name : folder.resolve(name).toString();
  }

  /** The format named in the task file, else the one the data file's extension names. */
  private static DataSource.Format format(Path taskFile, String file, String formatName) {
    String format = formatName;
    if (format.isEmpty()) {
      int dot = file.lastIndexOf('.');
      format = dot < 0 ? "" : file.substring(dot + 1);
    }
    return DataSource.Format.parse(format, "task file " + taskFile);
  }

  private static boolean keepFirstOfDuplicateIds(Path file, String value) {
    return switch (value) {
      case "error" -> false;
      case "keep-first" -> true;
      default ->
          throw new DatasetException(
              "task file %s: 'duplicate_ids' is '%s'; use error (the default) or keep-first"
                  .formatted(file, value));
    };
  }

  private static Charset charset(Path file, String name) {
    try {
      return Charset.forName(name);
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      throw new DatasetException(
          "task file %s: unknown encoding '%s'; use e.g. UTF-8 or windows-1252"
              .formatted(file, name));
    }
  }

  private static String text(Path file, JsonNode root, String key, String fallback) {
    JsonNode node = root.get(key);
    if (node == null || node.isNull()) {
      if (fallback == null) {
        throw new DatasetException(
            "task file %s: required key '%s' is missing".formatted(file, key));
      }
      return fallback;
    }
    if (!node.isValueNode()) {
      throw new DatasetException("task file %s: '%s' must be a string".formatted(file, key));
    }
    return node.asText();
  }

  private static List<String> list(Path file, JsonNode root, String key) {
    JsonNode node = root.get(key);
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw new DatasetException(
          "task file %s: '%s' must be a non-empty list, e.g. [negative, positive]"
              .formatted(file, key));
    }
    List<String> values = new ArrayList<>();
    node.forEach(n -> values.add(n.asText()));
    return values;
  }
}
