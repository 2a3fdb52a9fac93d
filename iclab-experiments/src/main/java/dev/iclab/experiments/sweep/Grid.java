package dev.iclab.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sweep's grid file: the command every cell runs, its base settings (the command's flags without
 * dashes) and the axes to vary; the cells are the cartesian product of the axes, the last axis
 * varying fastest.
 *
 * <pre>
 * command: eval
 * base: {task: sst2, limit: 200, model: ../shared/models/tinystories-656k}
 * grid: {shots: [0, 1, 4, 8], seeds: [1, 2, 3], select: [random, knn]}
 * </pre>
 *
 * @param base values as JSON scalars or lists (a list is passed comma separated)
 * @param axes each axis's values in the order given
 */
public record Grid(String command, Map<String, JsonNode> base, Map<String, List<JsonNode>> axes) {
  /** The commands a sweep can run: each writes one run folder named by {@code --out}. */
  public static final Set<String> COMMANDS = Set.of("eval", "emergence", "dai", "tune");

  /** Settings the sweep gives each cell itself. */
  private static final Set<String> RESERVED = Set.of("out", "resume", "config", "sweep");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Reads and checks a grid file; bad input fails with one line naming the file. */
  public static Grid load(Path file) {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IclabException(
          "cannot read the grid file %s: %s"
              .formatted(file, e.getMessage().lines().findFirst().orElse("")),
          e);
    }
    if (root == null || !root.isObject()) {
      throw new IclabException(
          "%s is not a grid file: expected `command:`, `base:` and `grid:`".formatted(file));
    }
    return of(root, file.toString());
  }

  /** A grid from its JSON form (as {@link #toJson()} writes it). */
  public static Grid of(JsonNode root, String where) {
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!Set.of("command", "base", "grid").contains(key)) {
        throw new IclabException(
            "%s: unknown key `%s`; a grid file has `command`, `base` and `grid`"
                .formatted(where, key));
      }
    }
    String command = root.path("command").asText("");
    if (!COMMANDS.contains(command)) {
      throw new IclabException(
          "%s: `command: %s` is not one a sweep runs; use one of %s"
              .formatted(where, command, String.join(", ", COMMANDS.stream().sorted().toList())));
    }
    Map<String, JsonNode> base = new LinkedHashMap<>();
    JsonNode baseNode = root.path("base");
    if (!baseNode.isMissingNode() && !baseNode.isNull()) {
      if (!baseNode.isObject()) {
        throw new IclabException("%s: `base` must be a map of settings".formatted(where));
      }
      baseNode.fields().forEachRemaining(e -> base.put(checkKey(where, e.getKey()), e.getValue()));
    }
    JsonNode gridNode = root.path("grid");
    if (!gridNode.isObject() || gridNode.isEmpty()) {
      throw new IclabException(
          "%s: `grid` must map at least one setting to a list of values, e.g. `grid: {shots: [0, 4]}`"
              .formatted(where));
    }
    Map<String, List<JsonNode>> axes = new LinkedHashMap<>();
    gridNode
        .fields()
        .forEachRemaining(
            e -> {
              String key = checkKey(where, e.getKey());
              if (base.containsKey(key)) {
                throw new IclabException(
                    "%s: `%s` is both in `base` and in `grid`; keep it in one"
                        .formatted(where, key));
              }
              JsonNode values = e.getValue();
              if (!values.isArray() || values.isEmpty()) {
                throw new IclabException(
                    "%s: grid axis `%s` must be a non-empty list, e.g. `%s: [1, 2]`"
                        .formatted(where, key, key));
              }
              List<JsonNode> list = new ArrayList<>();
              values.forEach(list::add);
              axes.put(key, List.copyOf(list));
            });
    return new Grid(command, base, axes);
  }

  private static String checkKey(String where, String key) {
    String flag = key.replace('_', '-');
    if (RESERVED.contains(flag)) {
      throw new IclabException(
          "%s: `%s` is set by the sweep for every cell; remove it from the grid file"
              .formatted(where, key));
    }
    if (!flag.matches("[a-z][a-z0-9-]*")) {
      throw new IclabException(
          "%s: `%s` is not a flag name (lower case, e.g. `shots` or `batch_size`)"
              .formatted(where, key));
    }
    return flag;
  }

  /** The number of cells. */
  public int size() {
    int n = 1;
    for (List<JsonNode> values : axes.values()) {
      n = Math.multiplyExact(n, values.size());
    }
    return n;
  }

  /** Cell {@code index} (0-based): the last axis varies fastest. */
  public Cell cell(int index) {
    if (index < 0 || index >= size()) {
      throw new IclabException(
          "--cell %d: the grid has %d cells, numbered 0 to %d"
              .formatted(index, size(), size() - 1));
    }
    Map<String, JsonNode> values = new LinkedHashMap<>();
    int rest = index;
    List<String> keys = new ArrayList<>(axes.keySet());
    JsonNode[] picked = new JsonNode[keys.size()];
    for (int a = keys.size() - 1; a >= 0; a--) {
      List<JsonNode> list = axes.get(keys.get(a));
      picked[a] = list.get(rest % list.size());
      rest /= list.size();
    }
    for (int a = 0; a < keys.size(); a++) {
      values.put(keys.get(a), picked[a]);
    }
    return new Cell(index, values);
  }

  /** Every cell, in index order. */
  public List<Cell> cells() {
    List<Cell> cells = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      cells.add(cell(i));
    }
    return cells;
  }

  /** The grid as JSON, in the grid file's shape (keys with dashes). */
  public ObjectNode toJson() {
    ObjectNode root = YAML.createObjectNode();
    root.put("command", command);
    ObjectNode baseNode = root.putObject("base");
    base.forEach(baseNode::set);
    ObjectNode gridNode = root.putObject("grid");
    axes.forEach((key, values) -> gridNode.putArray(key).addAll(values));
    return root;
  }

  /**
   * The command line of {@code cell}: the command, the base settings and the cell's values as flags
   * ({@code true}: the flag alone; {@code false} or null: left out; a list: comma separated), and
   * {@code --out}.
   */
  public List<String> argv(Cell cell, Path out) {
    List<String> argv = new ArrayList<>();
    argv.add(command);
    Map<String, JsonNode> all = new LinkedHashMap<>(base);
    all.putAll(cell.values());
    all.forEach((key, value) -> addFlag(argv, key, value));
    argv.add("--out");
    argv.add(out.toString());
    return argv;
  }

  private static void addFlag(List<String> argv, String key, JsonNode value) {
    if (value == null || value.isNull() || (value.isBoolean() && !value.booleanValue())) {
      return;
    }
    argv.add("--" + key);
    if (value.isBoolean()) {
      return;
    }
    argv.add(Cell.text(value));
  }
}
