package dev.iclab.experiments.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.run.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The --out folder of {@code iclab tune}, a {@link RunFolder}: locked while training, {@code
 * run.json} at once (so that {@code --resume} finishes a run interrupted at any point: from its
 * latest checkpoint, or from the start without one), complete checkpoints under {@code
 * checkpoints/} with {@code --save-every}, and the result files at the end, moved in whole, {@code
 * tune_summary.json} last (a run is finished when it is there); the checkpoints are then removed.
 */
final class TuneRunFolder implements AutoCloseable {
  static final String RUN = RunFolder.RUN;
  static final String SUMMARY = "tune_summary.json";
  static final String METRICS = "metrics.jsonl";
  // --recompute changes what a step keeps in memory, not what it computes (dropout's masks aside):
  // a resumed run may switch it, and a run begun before the flag existed (no such key) resumes.
  private static final RunFolder.Kind KIND =
      RunFolder.Kind.finishedBy(SUMMARY)
          .withMutable("config.training_flags.recompute")
          .refusingFinishedResume();

  private static final ObjectMapper JSON = new ObjectMapper();

  private final RunFolder folder;

  private TuneRunFolder(RunFolder folder) {
    this.folder = folder;
  }

  /**
   * Locks {@code out}; with {@code resume}, checks that it holds a run made with the same flags.
   */
  static TuneRunFolder open(Path out, boolean resume, ObjectNode config) {
    ObjectNode identity = JSON.createObjectNode();
    identity.set("config", config.path("config"));
    identity.set("model", config.path("model"));
    return new TuneRunFolder(RunFolder.open(out, resume, identity, KIND));
  }

  /** Whether an interrupted run is continued (its checkpoints, if any, are there). */
  boolean resumed() {
    return folder.resumed();
  }

  Path checkpoints() {
    return folder.resolve("checkpoints");
  }

  /** Called once the input is checked: run.json appears. */
  void start(ObjectNode config) {
    if (!folder.resumed()) {
      folder.writeJson(RUN, config);
    }
  }

  /** Writes the result: {@code writer} fills a fresh directory, then the summary goes in last. */
  void finish(Consumer<Path> writer, ObjectNode summary) {
    folder.finish(writer);
    folder.writeJson(SUMMARY, summary);
    try {
      if (Files.exists(checkpoints())) {
        try (var paths = Files.walk(checkpoints())) {
          for (Path f : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(f);
          }
        }
      }
    } catch (IOException e) {
      throw new IclabException(
          "cannot remove %s after the run: %s".formatted(checkpoints(), e.getMessage()), e);
    }
  }

  @Override
  public void close() {
    folder.close();
  }

  static void writeMetrics(Path directory, List<String> lines) {
    try {
      Files.write(directory.resolve(METRICS), lines);
    } catch (IOException e) {
      throw new IclabException("cannot write to " + directory + ": " + e.getMessage(), e);
    }
  }

  /** The metrics a checkpoint saved (the lines up to its step). */
  static List<String> readMetrics(Path checkpoint) {
    try {
      return Files.readAllLines(checkpoint.resolve(METRICS));
    } catch (IOException e) {
      throw new IclabException(
          "checkpoint %s has no readable %s: %s".formatted(checkpoint, METRICS, e.getMessage()), e);
    }
  }

  static void writeJson(Path file, JsonNode value) {
    try {
      AtomicFiles.writeString(
          file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
    } catch (IOException e) {
      throw new IclabException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
