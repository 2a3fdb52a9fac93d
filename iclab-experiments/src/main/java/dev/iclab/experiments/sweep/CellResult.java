package dev.iclab.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a cell ended: one line of sweep.jsonl, and the cell's own {@code cells/ID.json}.
 *
 * @param status {@link #FINISHED} or {@link #FAILED}
 * @param metrics the command's key results (see {@link CellMetrics}); empty when failed
 * @param error the failure in one line, or null
 */
public record CellResult(
    int index,
    String id,
    ObjectNode values,
    String status,
    ObjectNode metrics,
    double seconds,
    String error) {
  public static final String FINISHED = "finished";
  public static final String FAILED = "failed";
  private static final ObjectMapper JSON = new ObjectMapper();

  public boolean finished() {
    return FINISHED.equals(status);
  }

  /** A cell that failed before or outside its command (e.g. the engine lost it). */
  public static CellResult failed(Cell cell, double seconds, String error) {
    return new CellResult(
        cell.index(),
        cell.id(),
        cell.valuesJson(),
        FAILED,
        JSON.createObjectNode(),
        seconds,
        error);
  }

  public ObjectNode toJson() {
    ObjectNode node = JSON.createObjectNode();
    node.put("index", index);
    node.put("id", id);
    node.set("values", values);
    node.put("status", status);
    node.set("metrics", metrics);
    node.put("seconds", Math.round(seconds * 1000) / 1000.0);
    if (error != null) {
      node.put("error", error);
    }
    return node;
  }

  /** The JSON line. */
  public String line() {
    try {
      return JSON.writeValueAsString(toJson());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static CellResult of(JsonNode node) {
    return new CellResult(
        node.path("index").asInt(),
        node.path("id").asText(),
        (ObjectNode) node.path("values"),
        node.path("status").asText(),
        node.path("metrics").isObject()
            ? (ObjectNode) node.path("metrics")
            : JSON.createObjectNode(),
        node.path("seconds").asDouble(),
        node.hasNonNull("error") ? node.path("error").asText() : null);
  }

  /** Writes the result to {@code file} atomically. */
  public void write(Path file) {
    AtomicFiles.writeString(file, line() + "\n");
  }

  /** The result saved in {@code file}, if the cell got that far. */
  public static Optional<CellResult> read(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(of(JSON.readTree(file.toFile())));
    } catch (IOException e) {
      throw new IclabException(
          "cannot read %s: %s; delete it to rerun that cell".formatted(file, e.getMessage()), e);
    }
  }
}
