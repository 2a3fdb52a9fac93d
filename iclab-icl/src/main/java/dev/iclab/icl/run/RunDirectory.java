package dev.iclab.icl.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The {@code --out} folder of an evaluation: run.json (resolved config, environment), the
 * append-only samples.jsonl, summary.json and summary.md. A new run needs an empty or missing
 * folder; {@code --resume} needs the same resolved config as the run.json there.
 */
public final class RunDirectory {
  public static final String RUN = "run.json";
  public static final String SAMPLES = "samples.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  private RunDirectory(Path dir) {
    this.dir = dir;
  }

  /**
   * Checks that {@code dir} can take this run, without writing anything.
   *
   * @throws IclabException when a new run would overwrite results, or a resumed one differs
   */
  public static RunDirectory check(Path dir, EvalConfig config, boolean resume) {
    boolean hasRun = Files.exists(dir.resolve(RUN));
    if (resume && hasRun) {
      JsonNode saved;
      try {
        saved = JSON.readTree(dir.resolve(RUN).toFile()).get("config");
      } catch (IOException e) {
        throw new IclabException(
            "cannot read %s to resume: %s".formatted(dir.resolve(RUN), e.getMessage()), e);
      }
      JsonNode now;
      try {
        // Through text, so numbers compare as they were saved (a long seed reads back as an int).
        now = JSON.readTree(JSON.writeValueAsString(config));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!now.equals(saved)) {
        throw new IclabException(
            "--resume: the configuration differs from the one in %s (saved %s, now %s); resume with the same flags or use another --out"
                .formatted(dir.resolve(RUN), saved, now));
      }
    } else if (!isEmpty(dir)) {
      throw new IclabException(
          "--out %s already holds files; pass --resume to continue that run, or choose an empty folder"
              .formatted(dir));
    }
    return new RunDirectory(dir);
  }

  private static boolean isEmpty(Path dir) {
    if (!Files.exists(dir)) {
      return true;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new IclabException("cannot list --out %s: %s".formatted(dir, e.getMessage()), e);
    }
  }

  public Path path() {
    return dir;
  }

  public Path samples() {
    return dir.resolve(SAMPLES);
  }

  /** Creates the folder and writes run.json (config plus the given environment) atomically. */
  public void start(EvalConfig config, ObjectNode environment) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IclabException("cannot create --out %s: %s".formatted(dir, e.getMessage()), e);
    }
    ObjectNode run = JSON.createObjectNode();
    run.set("config", JSON.valueToTree(config));
    run.setAll(environment);
    try {
      AtomicFiles.writeString(
          dir.resolve(RUN), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes summary.json and summary.md from samples.jsonl. */
  public List<Summary.Row> summarize(String task, List<String> labelWords) {
    List<Summary.Row> rows = Summary.rows(samples(), labelWords);
    AtomicFiles.writeString(dir.resolve("summary.json"), Summary.json(task, rows));
    AtomicFiles.writeString(dir.resolve("summary.md"), Summary.table(task, rows));
    return rows;
  }
}
