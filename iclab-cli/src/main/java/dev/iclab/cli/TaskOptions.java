package dev.iclab.cli;

import static dev.iclab.data.io.DatasetLoader.DEFAULT_DATA_DIR;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --task}, {@code --task-file}, {@code --data-dir}: the classification task of a run. */
public final class TaskOptions {
  @Option(
      names = "--task",
      paramLabel = "NAME",
      description = "A built-in task: sst2, sst5, mr, subj, agnews, cb, rte, trec.")
  String task;

  @Option(names = "--task-file", paramLabel = "FILE", description = "A user task (YAML/JSON).")
  String taskFile;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where built-in tasks' data are (default: " + DEFAULT_DATA_DIR + ").")
  Path dataDir;

  /** --data-dir as given, null when absent. */
  public String dataDirGiven() {
    return dataDir == null ? null : dataDir.toString();
  }

  /** --data-dir, or the default, normalised. */
  public String dataDir() {
    return (dataDir == null ? Path.of(DEFAULT_DATA_DIR) : dataDir).normalize().toString();
  }
}
