package dev.iclab.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.analysis.AnswerScore;
import dev.iclab.analysis.DaiConfig;
import dev.iclab.analysis.DaiMetrics;
import dev.iclab.analysis.DaiOutcome;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.PublishedLearningRates;
import dev.iclab.analysis.RecordedPosition;
import dev.iclab.analysis.lab.CheckpointMetrics;
import dev.iclab.analysis.lab.EmergenceDaiConfig;
import dev.iclab.analysis.report.DaiReport;
import dev.iclab.data.Example;
import dev.iclab.experiments.dai.DaiExperiment;
import dev.iclab.experiments.lab.EmergenceDaiRun;
import dev.iclab.icl.run.SamplesFile;
import dev.iclab.lm.LanguageModel;
import dev.iclab.run.RunFolder;
import dev.iclab.tensor.Tensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code iclab dai}: Dai et al.'s ZSL / ICL / restricted-FT comparison with its metrics, optionally
 * on an untrained control; writes run.json, samples.jsonl, metrics.json, report.md/.html and
 * per-layer plots to {@code --out}. A stopped run continues with {@code --resume}. With {@code
 * --emergence-run DIR} the same comparison runs on the kept checkpoints of an emergence lab run
 * ({@link EmergenceDaiRun}), with curves across training.
 */
@Command(
    name = "dai",
    mixinStandardHelpOptions = true,
    description =
        "Is ICL implicit fine-tuning? Compare zero-shot, in-context and key/value fine-tuned"
            + " predictions and attention (Rec2FTP, SimAOU, SimAM; Dai et al. 2023), with the"
            + " untrained control of Deutch et al. 2024; or across the checkpoints of an emergence"
            + " run (--emergence-run).")
public final class DaiCommand implements Callable<Integer> {
  static final String METRICS = "metrics.json";
  static final String RUN = "run.json";
  static final String SAMPLES = "samples.jsonl";
  // Finished when metrics.json is there; a resume of a finished run recomputes it from samples.
  private static final RunFolder.Kind FOLDER = RunFolder.Kind.finishedBy(METRICS);

  /** A language model, or an emergence run's checkpoints. */
  static final class Source {
    @ArgGroup(exclusive = false, multiplicity = "1")
    ModelOptions model;

    @Option(
        names = "--emergence-run",
        required = true,
        paramLabel = "DIR",
        description =
            "Analyse the kept checkpoints of an iclab emergence run (a transformer trained with"
                + " --keep-checkpoints) instead of a language model.")
    Path emergenceRun;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Mixin VerbosityMixin verbosity;
  @Mixin ThreadsMixin threads;

  @Option(
      names = "--checkpoints",
      defaultValue = "all",
      paramLabel = "all|last|STEP,...",
      description = "With --emergence-run: which kept steps (default all).")
  String checkpoints;

  @Option(
      names = "--episodes",
      defaultValue = "500",
      paramLabel = "N",
      description =
          "With --emergence-run: holdout episodes per checkpoint, the first N of the run's own"
              + " ICL evaluation (default 500).")
  int episodes;

  @Option(names = "--task", description = "Built-in task: sst2, sst5, mr, subj, agnews, cb, ...")
  String task;

  @Option(names = "--task-file", paramLabel = "FILE", description = "A user task (YAML/JSON).")
  String taskFile;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "../shared/data",
      description = "Where built-in tasks' data are (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--shots",
      defaultValue = "32",
      description = "Demonstrations (default ${DEFAULT-VALUE}).")
  int shots;

  @Option(
      names = "--select",
      defaultValue = "random",
      description = "random (default) or balanced.")
  String select;

  @Option(
      names = "--ft-lr",
      paramLabel = "LR",
      description =
          "SGD learning rate of the restricted fine-tuning (default: Deutch et al.'s rate for a"
              + " built-in task: sst2 5e-4, sst5 1.6e-4, mr 3e-3, subj 3e-3, agnews 0.2, cb 0.08).")
  Double ftLr;

  @Option(
      names = "--lr-search",
      paramLabel = "LR,...",
      split = ",",
      description = "Try these rates on a dev split first and run with the best.")
  List<Double> lrSearch = new ArrayList<>();

  @Option(
      names = "--lr-search-dev",
      defaultValue = "200",
      paramLabel = "N",
      description =
          "Dev split size for --lr-search, from the training pool (default 200); with"
              + " --emergence-run, other holdout episodes.")
  int lrSearchDev;

  @Option(names = "--seed", defaultValue = "1", description = "Default ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N queries.")
  Integer limit;

  @Option(
      names = "--eval-cap",
      defaultValue = "2000",
      paramLabel = "N",
      description = "Evaluation split shuffled with seed 1 and cut to N (default 2000).")
  int evalCap;

  @Option(
      names = "--position",
      defaultValue = "option0",
      description =
          "Where to record: option0 (the first option's label word appended, its last token; Dai"
              + " et al.'s; default), last (the last prompt token) or label (the gold label's"
              + " first token appended).")
  String position;

  @Option(
      names = "--answer-score",
      defaultValue = "mean",
      description =
          "Score of a label word: mean (of its tokens' log-probabilities; Dai et al.'s; default)"
              + " or sum.")
  String answerScore;

  @Option(
      names = "--subset",
      defaultValue = "all",
      description = "Subset the plots show: all (default) or f2t; metrics have both.")
  String subset;

  @Option(
      names = "--control",
      defaultValue = "none",
      description = "none (default) or untrained: also run on a random-initialised copy.")
  String control;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder.")
  Path out;

  @Option(names = "--resume", description = "Continue the run in --out where it stopped.")
  boolean resume;

  @Option(names = "--skip-bad-rows", description = "Leave out bad dataset rows (counted).")
  boolean skipBadRows;

  @Spec CommandSpec spec;

  // Options of a language-model run that mean nothing for an emergence run, and the reverse.
  private static final List<String> TEXT_ONLY =
      List.of(
          "--task",
          "--task-file",
          "--data-dir",
          "--shots",
          "--select",
          "--limit",
          "--eval-cap",
          "--position",
          "--answer-score",
          "--subset",
          "--control",
          "--skip-bad-rows");

  private static final List<String> EMERGENCE_ONLY = List.of("--checkpoints", "--episodes");

  @Override
  public Integer call() {
    if (source.emergenceRun != null) {
      return callEmergence();
    }
    refuse(EMERGENCE_ONLY, "apply only with --emergence-run DIR");
    ModelOptions modelOptions = source.model;
    if (!control.equals("none") && !control.equals("untrained")) {
      throw new IclabException("unknown --control '%s'; use none or untrained".formatted(control));
    }
    Path modelDir = modelOptions.directory();
    double lr =
        ftLr != null
            ? ftLr
            : PublishedLearningRates.forTask(task)
                .orElseThrow(
                    () ->
                        new IclabException(
                            "no default fine-tuning rate for this task; give --ft-lr LR or --lr-search LR,..."));
    DaiConfig config =
        new DaiConfig(
            modelDir.normalize().toString(),
            task,
            taskFile,
            dataDir.normalize().toString(),
            shots,
            select,
            lr,
            seed,
            limit,
            evalCap,
            RecordedPosition.parse(position),
            AnswerScore.parse(answerScore),
            subset,
            control.equals("untrained"),
            lrSearch,
            lrSearchDev,
            skipBadRows);
    ObjectNode configJson = Json.MAPPER.valueToTree(config);
    ObjectNode identity = Json.object();
    identity.set("config", configJson);
    Tensors.configureOffline();
    try (RunFolder folder = RunFolder.open(out, resume, identity, FOLDER)) {
      threads.run(() -> run(config, configJson, modelDir, folder.resumed()));
    }
    return 0;
  }

  private Integer callEmergence() {
    refuse(TEXT_ONLY, "apply to a language model (--model), not to --emergence-run");
    EmergenceDaiConfig config =
        new EmergenceDaiConfig(
            source.emergenceRun.normalize().toString(),
            checkpoints,
            episodes,
            ftLr,
            lrSearch,
            lrSearchDev,
            seed);
    Tensors.configureOffline();
    String command =
        "iclab " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    List<CheckpointMetrics> results = new ArrayList<>();
    try (ProgressBar bar = ProgressBars.onStderr("dai " + source.emergenceRun, -1, null)) {
      DaiExperiment.Listener listener = progress(bar);
      threads.run(
          () ->
              results.addAll(
                  EmergenceDaiRun.run(
                      config, out, resume, EmergenceCommand.versions(), command, listener)));
    }
    PrintWriter printer = spec.commandLine().getOut();
    printer.printf(
        Locale.ROOT,
        "%6s %6s %6s %6s %9s %9s %5s %8s %8s %8s %9s%n",
        "step",
        "ZSL",
        "ICL",
        "FT",
        "Rec2FTP",
        "permuted",
        "F2T",
        "SimAOU",
        "random",
        "mismatch",
        "ft_lr");
    for (CheckpointMetrics c : results) {
      DaiMetrics m = c.all();
      printer.printf(
          Locale.ROOT,
          "%6d %6s %6s %6s %9s %9s %5d %8s %8s %8s %9.3g%n",
          c.step(),
          number("%.1f", 100 * m.zslAccuracy()),
          number("%.1f", 100 * m.iclAccuracy()),
          number("%.1f", 100 * m.ftAccuracy()),
          number("%.1f", m.rec2ftp().percent()),
          number("%.1f", m.rec2ftpPermuted()),
          m.rec2ftp().iclAlsoRight(),
          number("%.3f", m.simAou().overall()),
          number("%.3f", m.simAouRandom().overall()),
          number("%.3f", m.simAouMismatched().overall()),
          c.ftLr());
    }
    printer.printf("%nresults in %s%n", out);
    printer.flush();
    return 0;
  }

  /** Refuses options given on the command line that do not apply. */
  private void refuse(List<String> options, String why) {
    var parsed = spec.commandLine().getParseResult();
    for (String option : options) {
      if (parsed.hasMatchedOption(option)) {
        throw new IclabException(
            "%s does not apply here: it and %s %s"
                .formatted(option, String.join(", ", options), why));
      }
    }
  }

  private static DaiExperiment.Listener progress(ProgressBar bar) {
    return new DaiExperiment.Listener() {
      @Override
      public void phase(String name, long steps) {
        bar.reset();
        bar.maxHint(steps);
        bar.setExtraMessage(" " + name);
      }

      @Override
      public void step() {
        bar.step();
      }
    };
  }

  private void run(DaiConfig config, ObjectNode configJson, Path modelDir, boolean resumed) {
    try (LanguageModel lm = LanguageModel.open(modelDir, source.model.device())) {
      DaiExperiment experiment = new DaiExperiment(config, lm);
      writeJson(out.resolve(RUN), runJson(configJson, experiment, modelDir));
      double lr = config.ftLr();
      List<LrTrial> trials = List.of();
      Map<String, List<Double>> losses = new LinkedHashMap<>();
      try (ProgressBar bar = ProgressBars.onStderr("dai " + experiment.task().name(), -1, null)) {
        DaiExperiment.Listener listener = progress(bar);
        if (!config.lrSearch().isEmpty()) {
          trials = experiment.searchLearningRate(config.lrSearch(), listener);
          lr = DaiExperiment.best(trials);
        }
        List<String> variants = new ArrayList<>(List.of(DaiExperiment.PRETRAINED));
        if (config.untrainedControl()) {
          variants.add(DaiExperiment.UNTRAINED);
        }
        try (SamplesFile samples = SamplesFile.open(out.resolve(SAMPLES), resumed)) {
          for (String variant : variants) {
            losses.put(
                variant,
                experiment.run(
                    variant,
                    lr,
                    samples::contains,
                    line -> samples.append(List.of(line.toJson())),
                    listener));
          }
        }
      }
      DaiOutcome outcome =
          new DaiOutcome(
              config,
              experiment.task().name(),
              experiment.layers(),
              experiment.queries().size(),
              experiment.leftOut(),
              lr,
              trials,
              DaiOutcome.variants(out.resolve(SAMPLES), experiment.layers(), losses),
              experiment.notes(),
              experiment.seconds());
      writeJson(out.resolve(METRICS), outcome.toJson());
      DaiReport.write(
          out,
          outcome,
          "iclab " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
      print(outcome);
    }
  }

  private void print(DaiOutcome outcome) {
    PrintWriter printer = spec.commandLine().getOut();
    printer.printf(
        Locale.ROOT,
        "%-12s %-4s %6s %6s %6s %9s %9s %8s %8s %8s %8s %8s%n",
        "model",
        "set",
        "ZSL",
        "FT",
        "ICL",
        "Rec2FTP",
        "permuted",
        "SimAOU",
        "random",
        "mismatch",
        "SimAM",
        "SimAM-0");
    outcome
        .variants()
        .forEach(
            (name, v) -> {
              for (DaiMetrics m : List.of(v.all(), v.f2t())) {
                printer.printf(
                    Locale.ROOT,
                    "%-12s %-4s %6s %6s %6s %9s %9s %8s %8s %8s %8s %8s%n",
                    name,
                    m == v.all() ? "all" : "f2t",
                    number("%.1f", 100 * m.zslAccuracy()),
                    number("%.1f", 100 * m.ftAccuracy()),
                    number("%.1f", 100 * m.iclAccuracy()),
                    number("%.1f", m.rec2ftp().percent()),
                    number("%.1f", m.rec2ftpPermuted()),
                    number("%.3f", m.simAou().overall()),
                    number("%.3f", m.simAouRandom().overall()),
                    number("%.3f", m.simAouMismatched().overall()),
                    number("%.3f", m.simAm().overall()),
                    number("%.3f", m.simAmZsl().overall()));
              }
            });
    outcome.notes().forEach(n -> printer.println("note: " + n));
    printer.printf("%nresults in %s%n", out);
    printer.flush();
  }

  /** NaN (an empty subset, no FT fix) prints as "-". */
  private static String number(String format, double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, format, value);
  }

  private static ObjectNode runJson(ObjectNode config, DaiExperiment experiment, Path modelDir) {
    ObjectNode run = Json.object();
    run.set("config", config);
    ObjectNode env = RunEnvironment.of(modelDir, List.of(experiment.train(), experiment.eval()));
    run.set("environment", env);
    ArrayNode demos = run.putArray("demonstrations");
    for (Example d : experiment.demos()) {
      demos.addObject().put("id", d.id()).put("label", d.label());
    }
    ArrayNode notes = run.putArray("notes");
    experiment.notes().forEach(notes::add);
    return run;
  }

  private static void writeJson(Path file, Object value) {
    try {
      Json.writeAtomically(file, value);
    } catch (IOException e) {
      throw new IclabException("cannot write %s: %s".formatted(file, e.getMessage()), e);
    }
  }
}
