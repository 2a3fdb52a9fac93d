package dev.iclab.cli.ipt;

import dev.iclab.cli.ModelOptions;
import dev.iclab.cli.ThreadsMixin;
import dev.iclab.data.fewshot.TaskFamilies;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.experiments.ipt.IptConfig;
import dev.iclab.experiments.ipt.IptSplit;
import dev.iclab.experiments.ipt.IptStudy;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of an IPT study, the same for {@code ipt run} and each stage's subcommand. */
public final class IptOptions {
  @Mixin ModelOptions model;
  @Mixin ThreadsMixin threads;

  @Option(
      names = "--tasks",
      split = ",",
      paramLabel = "TASK",
      description = "Tasks for --split random|family; family:* names all pairs (e.g. trec:*).")
  List<String> tasks = List.of();

  @Option(names = "--train-tasks", split = ",", paramLabel = "TASK", description = "MSF's tasks.")
  List<String> trainTasks = List.of();

  @Option(names = "--test-tasks", split = ",", paramLabel = "TASK", description = "New tasks.")
  List<String> testTasks = List.of();

  @Option(
      names = "--split",
      paramLabel = "given|random|family",
      description =
          "given: --train-tasks/--test-tasks; random: a seeded share of --tasks tests; family:"
              + " pairs train, whole tasks test (default: given, or random with --tasks).")
  String split;

  @Option(
      names = "--test-fraction",
      defaultValue = "0.2",
      description = "Share of --tasks that --split random tests (default: ${DEFAULT-VALUE}).")
  double testFraction;

  @Option(
      names = "--intrinsic-dim",
      split = ",",
      paramLabel = "D",
      description = "d_I, or a list (e.g. 1,3,5,10); the first is the main one (default: 5).")
  List<Integer> intrinsicDims = List.of(5);

  @Option(
      names = "--train-fractions",
      split = ",",
      paramLabel = "F",
      description = "Shares of the training tasks MSF uses (task-count ablation; default: 1).")
  List<Double> trainFractions = List.of(1.0);

  @Option(
      names = "--prompt-length",
      defaultValue = "100",
      description = "Soft tokens (default: ${DEFAULT-VALUE}).")
  int promptLength;

  @Option(
      names = "--prompt-init",
      defaultValue = "vocab",
      paramLabel = "vocab|random",
      description = "Prompt initialisation (default: ${DEFAULT-VALUE}).")
  String promptInit;

  @Option(
      names = "--shots-per-class",
      defaultValue = "16",
      description = "K for train and for dev (default: ${DEFAULT-VALUE}).")
  int shotsPerClass;

  @Option(
      names = "--test-cap",
      defaultValue = "200",
      description = "Test examples per task at most (default: ${DEFAULT-VALUE}).")
  int testCap;

  @Option(
      names = "--steps",
      defaultValue = "100",
      description = "Prompt tuning steps per task (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--lr",
      defaultValue = "0.01",
      description = "Prompt tuning AdamW rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--batch-size",
      defaultValue = "8",
      description = "Examples per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--msf-steps",
      defaultValue = "500",
      description = "MSF steps (default: ${DEFAULT-VALUE}).")
  int msfSteps;

  @Option(
      names = "--msf-lr",
      defaultValue = "1e-3",
      description = "MSF AdamW rate (default: ${DEFAULT-VALUE}).")
  double msfLr;

  @Option(
      names = "--alpha",
      defaultValue = "200",
      description = "Weight of MSF's reconstruction MSE (default: ${DEFAULT-VALUE}).")
  double alpha;

  @Option(
      names = "--label-smoothing",
      defaultValue = "0.1",
      description = "Of MSF's LM loss (default: ${DEFAULT-VALUE}).")
  double labelSmoothing;

  @Option(
      names = "--decoder-hidden",
      defaultValue = "768",
      description = "Auto-encoder middle layer (default: ${DEFAULT-VALUE}).")
  int decoderHidden;

  @Option(
      names = "--ist-steps",
      defaultValue = "100",
      description = "IST steps per task (default: ${DEFAULT-VALUE}).")
  int istSteps;

  @Option(
      names = "--ist-lr",
      defaultValue = "0.05",
      description = "IST AdamW rate (default: ${DEFAULT-VALUE}).")
  double istLr;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Sampling, initialisation, orders (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = DatasetLoader.DEFAULT_DATA_DIR,
      description = "Where the datasets are (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--workers",
      defaultValue = "1",
      paramLabel = "N",
      description =
          "Processes that share out the independent runs of prompts, msf and ist, each with"
              + " --threads engine threads; same results as 1 (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "The study's folder.")
  Path out;

  /** Resolves the flags and runs {@code stages}. */
  void run(List<IptStudy.Stage> stages, boolean resume) {
    threads.run(
        () -> {
          String resolvedSplit = split != null ? split : tasks.isEmpty() ? "given" : "random";
          IptSplit.Lists lists =
              IptSplit.resolve(
                  TaskFamilies.standard(),
                  resolvedSplit,
                  tasks,
                  trainTasks,
                  testTasks,
                  testFraction,
                  seed);
          IptConfig config =
              new IptConfig(
                  model.name(),
                  dataDir.normalize().toString(),
                  lists.train(),
                  lists.test(),
                  resolvedSplit,
                  intrinsicDims,
                  trainFractions,
                  promptLength,
                  promptInit,
                  shotsPerClass,
                  testCap,
                  steps,
                  lr,
                  batchSize,
                  msfSteps,
                  msfLr,
                  alpha,
                  labelSmoothing,
                  decoderHidden,
                  istSteps,
                  istLr,
                  seed);
          IptStudy.run(
              config,
              model.directory(),
              model.device(),
              dataDir,
              out.normalize(),
              resume,
              stages,
              workers,
              threads.threads(),
              line -> System.err.println(line));
        });
  }
}
