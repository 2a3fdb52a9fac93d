package dev.iclab.icl.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.run.RunFolder;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code --out} folder of an evaluation: run.json (resolved config, environment), the
 * append-only samples.jsonl, summary.json and summary.md; a {@link RunFolder} (locked while this
 * process writes it). A new run needs an empty or missing folder; {@code --resume} needs the same
 * resolved config (and adapter) as the run.json there.
 */
public final class RunDirectory implements AutoCloseable {
  public static final String RUN = RunFolder.RUN;
  public static final String SAMPLES = "samples.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();
  // A finished eval may be resumed: every sample is there, so it only summarizes again.
  private static final RunFolder.Kind KIND = RunFolder.Kind.finishedBy("summary.json");

  private final RunFolder folder;

  private RunDirectory(RunFolder folder) {
    this.folder = folder;
  }

  /**
   * Locks {@code dir} for this run and checks that it can take it; writes nothing yet.
   *
   * @param adapter the adapter's record (path and hashes), or null without one
   * @throws IclabException when another process writes the folder, a new run would overwrite
   *     results, or a resumed one differs
   */
  public static RunDirectory open(Path dir, EvalConfig config, JsonNode adapter, boolean resume) {
    ObjectNode identity = JSON.createObjectNode();
    identity.set("config", JSON.valueToTree(config));
    identity.set("adapter", adapter == null ? JSON.nullNode() : adapter);
    return new RunDirectory(RunFolder.open(dir, resume, identity, KIND));
  }

  public Path path() {
    return folder.path();
  }

  public Path samples() {
    return folder.resolve(SAMPLES);
  }

  /** Whether this continues the samples of an earlier, interrupted run. */
  public boolean resumed() {
    return folder.resumed();
  }

  /** Writes run.json (config, adapter, then the given environment) atomically. */
  public void start(EvalConfig config, JsonNode adapter, ObjectNode environment) {
    ObjectNode run = JSON.createObjectNode();
    run.set("config", JSON.valueToTree(config));
    if (adapter != null) {
      run.set("adapter", adapter);
    }
    run.setAll(environment);
    folder.writeJson(RUN, run);
  }

  /** Writes summary.json and summary.md from samples.jsonl. */
  public List<Summary.Row> summarize(String task, List<String> labelWords) {
    List<Summary.Row> rows = Summary.rows(samples(), labelWords);
    AtomicFiles.writeString(folder.resolve("summary.md"), Summary.table(task, rows));
    AtomicFiles.writeString(folder.resolve("summary.json"), Summary.json(task, rows));
    return rows;
  }

  /** Releases the folder's lock. */
  @Override
  public void close() {
    folder.close();
  }
}
