package dev.iclab.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A finished cell's key results, read from the files its command wrote: for eval the mean accuracy
 * of each setting in summary.json; otherwise the numbers at the top level of the command's summary
 * (dai: metrics.json, tune: tune_summary.json, emergence: the last line of metrics.jsonl).
 */
final class CellMetrics {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CellMetrics() {}

  static ObjectNode of(String command, Path runFolder) {
    ObjectNode metrics = JSON.createObjectNode();
    try {
      switch (command) {
        case "eval" -> {
          JsonNode summary = JSON.readTree(runFolder.resolve("summary.json").toFile());
          for (JsonNode row : summary.path("rows")) {
            metrics.put(row.path("setting").asText(), row.path("accuracy_mean").asDouble());
          }
        }
        case "dai" -> numbers(readJson(runFolder.resolve("metrics.json")), metrics);
        case "tune" -> numbers(readJson(runFolder.resolve("tune_summary.json")), metrics);
        case "emergence" -> numbers(lastLine(runFolder.resolve("metrics.jsonl")), metrics);
        default -> {}
      }
    } catch (IOException e) {
      metrics.put("note", "no summary: " + e.getMessage());
    }
    return metrics;
  }

  private static JsonNode readJson(Path file) throws IOException {
    return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : JSON.missingNode();
  }

  private static JsonNode lastLine(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return JSON.missingNode();
    }
    List<String> lines = Files.readAllLines(file);
    return lines.isEmpty() ? JSON.missingNode() : JSON.readTree(lines.get(lines.size() - 1));
  }

  private static void numbers(JsonNode from, ObjectNode into) {
    from.fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isNumber()) {
                into.set(e.getKey(), e.getValue());
              }
            });
  }
}
