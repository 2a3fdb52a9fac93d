package dev.iclab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The --out folder of {@code iclab tune}. Without checkpoints it appears whole at the end (written
 * beside it, then moved). With checkpoints it is created once the input has been checked: {@code
 * run.json} at once, complete checkpoints under {@code checkpoints/} while training, and the result
 * files at the end, each moved in whole, {@code tune_summary.json} last (a run is finished when it
 * is there); the checkpoints are then removed.
 */
final class TuneRunFolder {
  static final String RUN = "run.json";
  static final String SUMMARY = "tune_summary.json";
  static final String METRICS = "metrics.jsonl";

  private final Path out;
  private final boolean checkpointed;
  private final boolean resumed;

  private TuneRunFolder(Path out, boolean checkpointed, boolean resumed) {
    this.out = out;
    this.checkpointed = checkpointed;
    this.resumed = resumed;
  }

  static TuneRunFolder fresh(Path out, boolean checkpointed) {
    OutputDirectory.checkFresh(out);
    return new TuneRunFolder(out, checkpointed, false);
  }

  /** Checks that {@code out} holds an unfinished run made with the same flags. */
  static TuneRunFolder resume(Path out, ObjectNode config) {
    Path run = out.resolve(RUN);
    if (!Files.isRegularFile(run)) {
      throw new IclabException(
          "--resume: %s holds no run (no %s); start it without --resume".formatted(out, RUN));
    }
    if (Files.exists(out.resolve(SUMMARY))) {
      throw new IclabException(
          "--resume: the run in %s has finished (%s is there); nothing to resume"
              .formatted(out, SUMMARY));
    }
    JsonNode saved;
    JsonNode now;
    try {
      saved = Json.MAPPER.readTree(run.toFile());
      now = Json.MAPPER.readTree(config.toString()); // same number types as the saved file
    } catch (IOException e) {
      throw new IclabException("--resume: cannot read %s: %s".formatted(run, e.getMessage()), e);
    }
    String difference = firstDifference(saved.path("config"), now.path("config"));
    if (difference == null && !saved.path("model").equals(now.path("model"))) {
      difference = "model (directory or weights)";
    }
    if (difference != null) {
      throw new IclabException(
          "--resume: the configuration differs from the run in %s (%s); resume with the same flags or start a new --out"
              .formatted(out, difference));
    }
    return new TuneRunFolder(out, true, true);
  }

  private static String firstDifference(JsonNode saved, JsonNode now) {
    for (Iterator<String> it = now.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!now.get(key).equals(saved.get(key))) {
        return "%s: %s then, %s now".formatted(key, saved.get(key), now.get(key));
      }
    }
    return saved.size() == now.size() ? null : "the set of options";
  }

  Path checkpoints() {
    return out.resolve("checkpoints");
  }

  /** Called once the input is checked: a checkpointed run's folder and its run.json appear. */
  void start(ObjectNode config) {
    if (checkpointed && !resumed) {
      writeJson(out.resolve(RUN), config);
    }
  }

  /** Writes the result: {@code writer} fills a fresh directory, then the summary goes in last. */
  void finish(Consumer<Path> writer, ObjectNode summary) {
    if (!checkpointed) {
      OutputDirectory.write(
          out,
          temp -> {
            writer.accept(temp);
            writeJson(temp.resolve(SUMMARY), summary);
          });
      return;
    }
    Path temp;
    try {
      temp = Files.createTempDirectory(out, ".result.tmp-");
    } catch (IOException e) {
      throw new IclabException("cannot write into %s: %s".formatted(out, e.getMessage()), e);
    }
    try {
      writer.accept(temp);
      try (Stream<Path> files = Files.list(temp)) {
        for (Path f : files.sorted().toList()) {
          Files.move(
              f,
              out.resolve(f.getFileName().toString()),
              StandardCopyOption.REPLACE_EXISTING,
              StandardCopyOption.ATOMIC_MOVE);
        }
      }
      writeJson(out.resolve(SUMMARY), summary);
      Json.deleteTree(checkpoints());
    } catch (IOException e) {
      throw new IclabException(
          "cannot write the result into %s: %s".formatted(out, e.getMessage()));
    } finally {
      try {
        if (Files.exists(temp)) {
          Json.deleteTree(temp);
        }
      } catch (IOException ignored) {
        // a hidden leftover; the result is complete or the run can be resumed
      }
    }
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
      Json.writeAtomically(file, value);
    } catch (IOException e) {
      throw new IclabException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
