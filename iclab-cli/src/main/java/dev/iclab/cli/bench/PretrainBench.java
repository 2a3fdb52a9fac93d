package dev.iclab.cli.bench;

import ai.djl.Device;
import dev.iclab.IclabException;
import dev.iclab.cli.Json;
import dev.iclab.cli.ThreadsMixin;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.tune.BatchLoss;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.full.FullConfig;
import dev.iclab.tune.full.FullTuner;
import dev.iclab.tune.pretrain.Corpus;
import dev.iclab.tune.pretrain.PretrainConfig;
import dev.iclab.tune.pretrain.Pretraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code iclab bench pretrain}: training tokens/s of one fixed small Llama-shaped model with
 * standard and with momentum attention (the same seed, data and batches), next to the same model's
 * forward-only tokens/s, all in one run.
 */
@Command(
    name = "pretrain",
    mixinStandardHelpOptions = true,
    description =
        "Training tokens/s of a small model, standard vs momentum attention, and forward-only"
            + " tokens/s; JSON on stdout.")
public final class PretrainBench implements Runnable {
  private static final int LAYERS = 2;
  private static final int HIDDEN = 128;
  private static final int HEADS = 4;
  private static final int CONTEXT = 128;
  private static final int BATCH = 16;
  private static final int SKIPPED_STEPS = 3; // JIT and allocator warm-up

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--data",
      description =
          "UTF-8 text, one document a line (default ../shared/data/brown/brown.train.txt).")
  Path data = Path.of("../shared/data/brown/brown.train.txt");

  @Option(
      names = "--tokenizer",
      description = "Folder with tokenizer.json (default fixtures/models/tinystories-656k).")
  Path tokenizer = Path.of("fixtures/models/tinystories-656k");

  @Option(names = "--steps", description = "Training steps per variant (default 40).")
  int steps = 40;

  @Option(names = "--momentum-eta", description = "Momentum decay (default 0.9).")
  double eta = 0.9;

  @Mixin JsonCopyOption output;

  @Mixin ThreadsMixin threadsOption;

  @Override
  public void run() {
    threadsOption.run(this::runWithThreads);
  }

  private void runWithThreads() {
    if (!Files.isRegularFile(data)) {
      throw new IclabException(
          "--data %s is not a file; give a UTF-8 text corpus (one document a line)"
              .formatted(data));
    }
    if (steps <= SKIPPED_STEPS) {
      throw new IclabException("--steps must be > %d, got %d".formatted(SKIPPED_STEPS, steps));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("suite", "pretrain");
    json.put(
        "model",
        "llama, %d layers, hidden %d, %d heads, context %d, batch %d, AdamW"
            .formatted(LAYERS, HIDDEN, HEADS, CONTEXT, BATCH));
    json.put("steps", steps);
    json.put("data", data.toString());
    json.put("load_average_at_start", ProcStatus.loadAverage());
    // The first runs of a process pay for warm-up (JIT, allocator, native caches) beyond the
    // skipped steps, so one run of each variant is left out first (docs/BENCHMARKS.md). Then each
    // variant twice, in the order standard, momentum, momentum, standard (one early and one late
    // run each, whichever way the machine's load drifts), keeping its faster run.
    List<Map<String, Object>> runs = new ArrayList<>();
    train(AttentionVariant.STANDARD, runs, true);
    train(AttentionVariant.momentum(eta), runs, true);
    Measured standard = train(AttentionVariant.STANDARD, runs, false);
    Measured momentum = train(AttentionVariant.momentum(eta), runs, false);
    momentum = momentum.faster(train(AttentionVariant.momentum(eta), runs, false));
    standard = standard.faster(train(AttentionVariant.STANDARD, runs, false));
    json.put("parameters", standard.parameters);
    json.put("train_tokens_per_s_standard", standard.tokensPerSecond);
    json.put("train_tokens_per_s_momentum", momentum.tokensPerSecond);
    json.put("momentum_over_standard", momentum.tokensPerSecond / standard.tokensPerSecond);
    json.put("forward_tokens_per_s_standard", standard.forwardTokensPerSecond);
    json.put("forward_tokens_per_s_momentum", momentum.forwardTokensPerSecond);
    json.put(
        "train_over_forward_standard", standard.tokensPerSecond / standard.forwardTokensPerSecond);
    json.put("momentum_eta", eta);
    // Every training run in the order it ran: wall time per step (median) and process CPU time and
    // minor page faults per step (means), over the steps after the first few. CPU time is what the
    // step costs whatever else the
    // machine runs; page faults show memory taken fresh from the kernel at each step.
    json.put("runs", runs);
    json.put("cpus", Runtime.getRuntime().availableProcessors());
    json.put("threads", threadsOption.threads());
    json.put("load_average_at_end", ProcStatus.loadAverage());
    json.put(
        "note",
        "median over steps after the first %d, the faster of two runs per variant (after one left-out warm-up run of each; order standard, momentum, momentum, standard); forward-only = the same windows scored without gradients"
            .formatted(SKIPPED_STEPS));
    output.emit(spec.commandLine().getOut(), json);
  }

  private record Measured(long parameters, double tokensPerSecond, double forwardTokensPerSecond) {
    Measured faster(Measured other) {
      return new Measured(
          parameters,
          Math.max(tokensPerSecond, other.tokensPerSecond),
          Math.max(forwardTokensPerSecond, other.forwardTokensPerSecond));
    }
  }

  private Measured train(
      AttentionVariant attention, List<Map<String, Object>> runs, boolean warmUp) {
    try (ScratchFolder folder =
        new ScratchFolder("iclab-bench-pretrain", spec.commandLine().getErr())) {
      PretrainConfig config =
          new PretrainConfig(
              "llama", LAYERS, HIDDEN, HEADS, CONTEXT, attention, tokenizer, data, null, steps,
              BATCH, 2e-3, 0, 0, 1.0, 0, 0, 0, 1);
      List<Double> stepSeconds = new ArrayList<>();
      List<Double> stepCpuSeconds = new ArrayList<>();
      List<Double> stepFaults = new ArrayList<>();
      long[] parameters = {0};
      Pretraining.run(
          config,
          folder.path().resolve("run"),
          false,
          Device.cpu(),
          Json.object(),
          new Pretraining.Listener() {
            long last = System.nanoTime();
            long lastCpu = ProcStatus.cpuNanos();
            long lastFaults = ProcStatus.minorFaults();

            @Override
            public void started(int startStep, int totalSteps, long count) {
              parameters[0] = count;
              last = System.nanoTime();
              lastCpu = ProcStatus.cpuNanos();
              lastFaults = ProcStatus.minorFaults();
            }

            @Override
            public void stepped(Trainer.Progress progress, double validPerplexity) {
              long now = System.nanoTime();
              long cpu = ProcStatus.cpuNanos();
              long faults = ProcStatus.minorFaults();
              if (progress.step() > SKIPPED_STEPS) {
                stepSeconds.add((now - last) / 1e9);
                stepCpuSeconds.add((cpu - lastCpu) / 1e9);
                stepFaults.add((double) (faults - lastFaults));
              }
              last = now;
              lastCpu = cpu;
              lastFaults = faults;
            }
          });
      double medianStep = Median.of(stepSeconds);
      double train = BATCH * CONTEXT / medianStep;
      Map<String, Object> run = new LinkedHashMap<>();
      run.put("attention", attention.isMomentum() ? "momentum" : "standard");
      run.put("warm_up", warmUp);
      run.put("train_tokens_per_s", train);
      run.put("median_step_s", medianStep);
      // Means: the JVM counts process CPU time in clock ticks (10 ms on Linux), too coarse for
      // one step's median.
      run.put("mean_step_cpu_s", mean(stepCpuSeconds));
      run.put("mean_step_minor_faults", mean(stepFaults));
      runs.add(run);
      return new Measured(
          parameters[0], train, forwardTokensPerSecond(folder.path().resolve("run")));
    }
  }

  /** Scores {@code steps} batches of the corpus's first windows with the trained model. */
  private double forwardTokensPerSecond(Path model) {
    try (HfTokenizer tok = HfTokenizer.load(tokenizer);
        CausalLM lm = ModelLoader.standard().load(model, Device.cpu(), false);
        FullTuner tuner = new FullTuner(lm, new FullConfig())) {
      var windows = Corpus.read(data, "--data", tok, CONTEXT).windows();
      List<Double> seconds = new ArrayList<>();
      for (int b = 0; b < steps; b++) {
        int from = (b * BATCH) % Math.max(1, windows.size() - BATCH);
        var batch = windows.subList(from, Math.min(windows.size(), from + BATCH));
        long start = System.nanoTime();
        BatchLoss.evaluate(tuner, batch, BATCH);
        if (b >= SKIPPED_STEPS) {
          seconds.add((System.nanoTime() - start) / 1e9);
        }
      }
      return BATCH * CONTEXT / Median.of(seconds);
    }
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }
}
