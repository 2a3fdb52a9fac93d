package dev.iclab.cli;

import dev.iclab.experiments.eval.EvalJob;
import dev.iclab.experiments.eval.EvalSettings;
import dev.iclab.icl.run.EvalConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab eval}: in-context learning experiments over shots x seeds x selection x order x
 * labels, scored and calibrated in every listed way ({@link EvalJob}). Settings come from flags, or
 * a YAML/JSON {@code --config} whose keys are the flags' long names with underscores (flags
 * override it).
 */
@Command(
    name = "eval",
    modelTransformer = TableFlag.Transformer.class,
    description =
        "Evaluate in-context learning on a classification task: every combination of --shots,"
            + " --seeds, --select, --order and --labels, reported under every --scoring and"
            + " --calibrate. Lists are comma separated.")
public final class EvalCommand extends CliCommand implements TableFlag.Table {
  @Option(
      names = {"-m", "--model"},
      paramLabel = "DIR|ID",
      description = "Model directory or hub id in the local cache (or `model:` in --config).")
  String model;

  @Mixin DeviceOptions deviceOptions;
  @Mixin TaskOptions taskOptions;

  @Option(
      names = "--adapter",
      paramLabel = "DIR",
      description = "A saved adapter (iclab tune: any method) applied to the model.")
  Path adapter;

  @Option(names = "--config", paramLabel = "FILE", description = "exp.yaml or exp.json.")
  Path configFile;

  @Option(names = "--resume", description = "Continue the run in --out where it stopped.")
  boolean resume;

  /**
   * The settings a config file may also give, as flags of the same names (with dashes): lists are
   * comma separated.
   */
  private static final List<TableFlag> SETTINGS =
      List.of(
          new TableFlag("shots", String.class, null, "K,...", "Default: 0,1,4."),
          new TableFlag("seeds", String.class, null, "S,...", "Default: 1,2,3."),
          new TableFlag(
              "select",
              String.class,
              null,
              "M,...",
              "random (default), balanced, fixed:ID,ID,..., bm25, knn (KATE, all-MiniLM-L6-v2)."),
          new TableFlag(
              "order",
              String.class,
              null,
              "O,...",
              "given (default), random, similarity (MiniLM cosine, most similar last), permutations"
                  + " (k <= 5), globale, locale (Lu et al.: the best 4 of up to 24 orders by"
                  + " entropy on a probing set sampled from the model)."),
          new TableFlag(
              "labels",
              String.class,
              null,
              "L,...",
              "gold (default), random, correct:P, none (inputs only), labels-only."),
          new TableFlag(
              "scoring", String.class, null, "S,...", "sum (default), mean, first-token."),
          new TableFlag("calibrate", String.class, null, "C,...", "none (default), contextual."),
          new TableFlag("limit", Integer.class, null, "N", "Evaluate only the first N queries."),
          new TableFlag(
              "eval-cap",
              Integer.class,
              null,
              "N",
              "The evaluation set is shuffled with seed 1 and cut to N (default 2000)."),
          new TableFlag(
              "batch-size",
              Integer.class,
              null,
              "N",
              "Queries scored together when they share demonstrations (default "
                  + EvalConfig.DEFAULT_BATCH_SIZE
                  + "; 1: one at a time)."),
          new TableFlag(
              "skip-bad-rows", Boolean.class, "0", null, "Leave out bad dataset rows (counted)."),
          new TableFlag("out", Path.class, null, "DIR", "Run folder (or `out:` in --config)."));

  @Override
  public List<TableFlag> tableFlags() {
    return SETTINGS;
  }

  @Override
  protected void execute() {
    Map<String, Object> given = new LinkedHashMap<>();
    given.put("model", model);
    given.put("device", deviceOptions.deviceName());
    given.put("task", taskOptions.task);
    given.put("task_file", taskOptions.taskFile);
    given.put("data_dir", taskOptions.dataDirGiven());
    TableFlag.given(spec, SETTINGS)
        .forEach((key, value) -> given.put(key.replace('-', '_'), value));
    EvalSettings settings = EvalSettings.of(given, configFile);
    String modelName = settings.model();
    Path runFolder = settings.out();
    Path modelDir = deviceOptions.resolve(modelName);
    EvalJob.Spec job =
        new EvalJob.Spec(
            settings.config(modelDir),
            modelDir,
            DeviceOptions.device(settings.device()),
            adapter,
            runFolder,
            resume);
    EvalJob.Result result;
    try (Progress progress = new Progress()) {
      result = EvalJob.run(job, progress);
    }
    PrintWriter printer = out();
    printer.print(result.table());
    result.note().ifPresent(note -> printer.println("note: " + note));
    printer.printf(Locale.ROOT, "%nresults in %s%n", result.out());
    printer.flush();
  }

  /** Notes on stderr, the queries as a bar. */
  private final class Progress extends BarListener implements EvalJob.Listener {

    @Override
    public void note(String line) {
      err().println(line);
    }

    @Override
    public void started(String task, long total) {
      open("eval " + task, total, " q");
    }

    @Override
    public void progressed(int queries) {
      bar.stepBy(queries);
    }
  }
}
