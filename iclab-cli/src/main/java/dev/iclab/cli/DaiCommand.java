package dev.iclab.cli;

import dev.iclab.IclabException;
import dev.iclab.analysis.AnswerScore;
import dev.iclab.analysis.DaiConfig;
import dev.iclab.analysis.DaiMetrics;
import dev.iclab.analysis.DaiOutcome;
import dev.iclab.analysis.RecordedPosition;
import dev.iclab.analysis.lab.CheckpointMetrics;
import dev.iclab.analysis.lab.EmergenceDaiConfig;
import dev.iclab.experiments.RunEnvironment;
import dev.iclab.experiments.dai.DaiJob;
import dev.iclab.experiments.lab.EmergenceDaiRun;
import dev.iclab.tensor.Tensors;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab dai}: Dai et al.'s ZSL / ICL / restricted-FT comparison with its metrics, optionally
 * on an untrained control; writes run.json, samples.jsonl, metrics.json, report.md/.html and
 * per-layer plots to {@code --out}. A stopped run continues with {@code --resume}. With {@code
 * --emergence-run DIR} the same comparison runs on the kept checkpoints of an emergence lab run
 * ({@link EmergenceDaiRun}), with curves across training.
 */
@Command(
    name = "dai",
    description =
        "Is ICL implicit fine-tuning? Compare zero-shot, in-context and key/value fine-tuned"
            + " predictions and attention (Rec2FTP, SimAOU, SimAM; Dai et al. 2023), with the"
            + " untrained control of Deutch et al. 2024; or across the checkpoints of an emergence"
            + " run (--emergence-run).")
public final class DaiCommand extends CliCommand {
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

  @Mixin TaskOptions taskOptions;
  @Mixin RunOptions run;
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

  @Mixin SeedOption seed;

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

  @Option(names = "--skip-bad-rows", description = "Leave out bad dataset rows (counted).")
  boolean skipBadRows;

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
  protected void execute() {
    if (source.emergenceRun != null) {
      executeEmergence();
      return;
    }
    refuse(EMERGENCE_ONLY, "apply only with --emergence-run DIR");
    if (!control.equals("none") && !control.equals("untrained")) {
      throw new IclabException("unknown --control '%s'; use none or untrained".formatted(control));
    }
    Path modelDir = source.model.directory();
    DaiConfig config =
        new DaiConfig(
            modelDir.normalize().toString(),
            taskOptions.task,
            taskOptions.taskFile,
            taskOptions.dataDir(),
            shots,
            select,
            DaiJob.learningRate(ftLr, taskOptions.task),
            seed.seed(),
            limit,
            evalCap,
            RecordedPosition.parse(position),
            AnswerScore.parse(answerScore),
            subset,
            control.equals("untrained"),
            lrSearch,
            lrSearchDev,
            skipBadRows);
    DaiJob.Spec job =
        new DaiJob.Spec(
            config, modelDir, source.model.device(), run.out(), run.resume(), commandLine());
    DaiOutcome[] outcome = new DaiOutcome[1];
    try (Progress progress = new Progress()) {
      threads.run(() -> outcome[0] = DaiJob.run(job, progress));
    }
    print(outcome[0]);
  }

  private void executeEmergence() {
    refuse(TEXT_ONLY, "apply to a language model (--model), not to --emergence-run");
    EmergenceDaiConfig config =
        new EmergenceDaiConfig(
            source.emergenceRun.normalize().toString(),
            checkpoints,
            episodes,
            ftLr,
            lrSearch,
            lrSearchDev,
            seed.seed());
    Tensors.configureOffline();
    List<CheckpointMetrics> results = new ArrayList<>();
    try (Progress progress = new Progress()) {
      progress.started(source.emergenceRun.toString());
      threads.run(
          () ->
              results.addAll(
                  EmergenceDaiRun.run(
                      config,
                      run.out(),
                      run.resume(),
                      RunEnvironment.labVersions(),
                      commandLine(),
                      progress)));
    }
    PrintWriter printer = out();
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
    printer.printf("%nresults in %s%n", run.out());
    printer.flush();
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

  /** The phases of a run as a progress bar on stderr, opened once the run is named. */
  private static final class Progress extends BarListener implements DaiJob.Listener {

    @Override
    public void started(String name) {
      open("dai " + name, -1, null);
    }

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
  }

  private void print(DaiOutcome outcome) {
    PrintWriter printer = out();
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
    printer.printf("%nresults in %s%n", run.out());
    printer.flush();
  }

  /** NaN (an empty subset, no FT fix) prints as "-". */
  private static String number(String format, double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, format, value);
  }
}
