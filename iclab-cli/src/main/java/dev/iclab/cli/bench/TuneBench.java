package dev.iclab.cli.bench;

import ai.djl.Device;
import dev.iclab.cli.CliCommand;
import dev.iclab.cli.Json;
import dev.iclab.cli.ThreadsMixin;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.weights.DType;
import dev.iclab.tune.MethodOptions;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.Tuner;
import dev.iclab.tune.TunerRegistry;
import dev.iclab.tune.qlora.QloraTuner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab bench tune}: training tokens/s and memory of full fine-tuning, LoRA and QLoRA on
 * random-weight models of real shapes (GPT-2 small; a ~1.1B Llama, TinyLlama's shape), sequences of
 * {@code --seq} tokens, batch 1, AdamW; and resident memory over {@code --flat-steps} steps of a
 * small GPT-2-shaped model, which must stay flat.
 *
 * <p>Each phase loads its model afresh, and the process's peak resident set (VmHWM) is reset before
 * it ({@code /proc/self/clear_refs}), so each peak is that phase's own (plus what the JVM keeps
 * from earlier phases, recorded as {@code rss_before_mb}).
 */
@Command(
    name = "tune",
    description = "Training tokens/s and peak memory of full, LoRA and QLoRA; JSON.")
public final class TuneBench extends CliCommand {
  @Mixin ThreadsMixin threads;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "JSON result.")
  Path out;

  @Option(names = "--seq", defaultValue = "256", description = "Tokens per sequence.")
  int seq;

  @Option(
      names = "--steps",
      defaultValue = "4",
      description =
          "Timed optimizer steps per GPT-2-small phase (after one warm-up step); 0 skips them.")
  int steps;

  @Option(
      names = "--large-steps",
      defaultValue = "2",
      description = "Timed steps per 1B phase (after one warm-up step); 0 skips the 1B model.")
  int largeSteps;

  @Option(
      names = "--flat-steps",
      defaultValue = "1000",
      description = "Steps of the flat-memory phases; 0 skips them.")
  int flatSteps;

  @Option(
      names = "--methods",
      defaultValue = "full,lora,qlora",
      split = ",",
      description = "Methods to measure (default: ${DEFAULT-VALUE}).")
  List<String> methods;

  @Option(
      names = "--recompute",
      defaultValue = "none",
      split = ",",
      description =
          "Backward modes to measure each method with: none (keep every layer's intermediates),"
              + " layers (recompute each decoder layer in the backward pass); e.g. none,layers"
              + " (default: ${DEFAULT-VALUE}).")
  List<String> recompute;

  @Option(
      names = "--one",
      hidden = true,
      description = "Child: DIR,NAME,METHOD,STEPS,FLAT,RECOMPUTE.")
  String one;

  @Override
  protected void execute() {
    threads.run(one != null ? this::child : this::measure);
  }

  /** Runs one phase in this process and writes its JSON to --out. */
  private void child() {
    String[] f = one.split(",");
    int n = Integer.parseInt(f[3]);
    List<Integer> marks =
        Boolean.parseBoolean(f[4]) ? List.of(1, 10, 100, n / 2, n) : List.<Integer>of();
    try {
      Json.writeAtomically(
          out, phase(f[1], Path.of(f[0]), f[2], n, marks, TrainingConfig.Recompute.parse(f[5])));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs one phase in a child JVM and returns its JSON. */
  private Map<String, Object> inChild(
      String name,
      Path dir,
      String method,
      TrainingConfig.Recompute mode,
      int n,
      boolean flat,
      Path temp)
      throws IOException {
    Path result =
        temp.resolve("phase-" + name + "-" + method + "-" + mode + (flat ? "-flat" : "") + ".json");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx2g",
            // weights widened from BF16 live in direct buffers, which count against this limit
            "-XX:MaxDirectMemorySize=32g",
            "-Dai.djl.offline=true",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.iclab.cli.Main",
            "bench",
            "tune",
            "--one",
            String.join(
                ",",
                dir.toString(),
                name,
                method,
                Integer.toString(n),
                Boolean.toString(flat),
                mode.flag()),
            "--seq",
            Integer.toString(seq),
            "--threads",
            Integer.toString(threads.threads()),
            "--out",
            result.toString());
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    int code;
    try {
      code = process.waitFor();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (code != 0 || !Files.exists(result)) {
      Map<String, Object> failed = new LinkedHashMap<>();
      failed.put("model", name);
      failed.put("method", method);
      failed.put("recompute", mode.flag());
      failed.put("failed", "child exited with " + code);
      return failed;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> phase = Json.MAPPER.readValue(result.toFile(), Map.class);
    return phase;
  }

  private void measure() {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("suite", "tune");
    result.put("seq", seq);
    result.put("batch", 1);
    result.put("optimizer", "adamw");
    result.put("threads", threads.threads());
    result.put("recompute", modes().stream().map(TrainingConfig.Recompute::flag).toList());
    result.put("cpus", Runtime.getRuntime().availableProcessors());
    result.put("load_average_at_start", ProcStatus.loadAverage());
    List<Map<String, Object>> phases = new ArrayList<>();
    result.put("phases", phases);
    try {
      Path temp = Files.createTempDirectory("iclab-bench-tune-");
      try {
        if (steps > 0) {
          Path gpt2 = RandomCheckpoints.gpt2(temp.resolve("gpt2-small"), 12, 768, 12, 50257, 1024);
          for (String method : methods) {
            for (TrainingConfig.Recompute mode : modes()) {
              phases.add(inChild("gpt2-small", gpt2, method, mode, steps, false, temp));
            }
          }
        }
        if (flatSteps > 0) {
          // small enough that 1,000 steps take minutes on 2 cores: 2 layers, 128 wide, vocab 4096
          Path tiny = RandomCheckpoints.gpt2(temp.resolve("gpt2-tiny"), 2, 128, 4, 4096, 512);
          for (String method : methods) {
            for (TrainingConfig.Recompute mode : modes()) {
              phases.add(inChild("gpt2-tiny", tiny, method, mode, flatSteps, true, temp));
            }
          }
        }
        if (largeSteps > 0) {
          // TinyLlama-1.1B's shape, stored as BF16 (widened to FP32 on load) to halve the file.
          Path llama =
              RandomCheckpoints.llama(
                  temp.resolve("llama-1b"), 22, 2048, 32, 4, 5632, 32000, DType.BF16);
          for (String method : methods) {
            if (method.equals("full")) {
              result.put("llama-1b_full", fullArithmetic(llama));
              continue;
            }
            for (TrainingConfig.Recompute mode : modes()) {
              phases.add(inChild("llama-1b", llama, method, mode, largeSteps, false, temp));
            }
          }
        }
      } finally {
        Json.deleteTree(temp);
      }
      result.put("load_average_at_end", ProcStatus.loadAverage());
      Json.writeAtomically(out, result);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Json.print(spec.commandLine().getOut(), result);
  }

  private List<TrainingConfig.Recompute> modes() {
    return recompute.stream().map(TrainingConfig.Recompute::parse).distinct().toList();
  }

  /**
   * Full fine-tuning of the 1B model with AdamW needs 16 bytes per parameter before activations.
   */
  private static Map<String, Object> fullArithmetic(Path llama) {
    long parameters = 0; // from the file's header: loading would widen 4.4 GB for a count
    try (var file = dev.iclab.lm.weights.SafetensorsFile.open(llama.resolve("model.safetensors"))) {
      for (var entry : file.entries().values()) {
        parameters += entry.elementCount();
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("parameters", parameters);
    m.put("weights_gib", gib(4L * parameters));
    m.put("gradients_gib", gib(4L * parameters));
    m.put("adamw_moments_gib", gib(8L * parameters));
    m.put("total_before_activations_gib", gib(16L * parameters));
    m.put(
        "measured",
        false); // not run: more than the 23 GiB machine (shared by four jobs) can give one process
    return m;
  }

  private Map<String, Object> phase(
      String modelName,
      Path dir,
      String method,
      int timedSteps,
      List<Integer> marks,
      TrainingConfig.Recompute mode) {
    System.gc();
    ProcStatus.resetPeak();
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("model", modelName);
    p.put("load_average_at_start", ProcStatus.loadAverage());
    p.put("method", method);
    p.put("recompute", mode.flag());
    p.put("rss_before_mb", mb(ProcStatus.residentBytes()));
    long loadStart = System.nanoTime();
    MethodOptions options = MethodOptions.defaults(1);
    try (CausalLM model =
        ModelLoader.standard()
            .load(dir, Device.cpu(), true, TunerRegistry.whileLoading(method, options))) {
      p.put("parameters", model.parameterCount());
      p.put("rss_loaded_mb", mb(ProcStatus.residentBytes()));
      try (Tuner tuner = create(method, model, options)) {
        p.put("setup_s", (System.nanoTime() - loadStart) / 1e9);
        p.put(
            "trainable_parameters",
            tuner.parameters().stream().mapToLong(dev.iclab.tune.TrainableParameter::size).sum());
        p.put("rss_ready_mb", mb(ProcStatus.residentBytes()));
        if (tuner instanceof QloraTuner q) {
          p.put("quantized_weights_mb", mb(q.quantizedBytes()));
        }
        int total = timedSteps + (marks.isEmpty() ? 1 : 0); // one warm-up step when timing
        List<TrainingExample> data = randomSequences(model.config().vocabSize(), total);
        TrainingConfig config =
            TrainingConfig.adamw(1e-4, 1, 1).withRegularisation(1.0, 0).withRecompute(mode);
        List<Double> stepSeconds = new ArrayList<>();
        Map<String, Double> rssAt = new LinkedHashMap<>();
        try (Trainer trainer = new Trainer(tuner, config, total)) {
          long[] last = {System.nanoTime()};
          trainer.train(
              data,
              progress -> {
                long now = System.nanoTime();
                stepSeconds.add((now - last[0]) / 1e9);
                last[0] = now;
                if (marks.contains(progress.step())) {
                  rssAt.put(Integer.toString(progress.step()), mb(ProcStatus.residentBytes()));
                }
              });
        }
        double median = Median.of(stepSeconds.subList(marks.isEmpty() ? 1 : 0, stepSeconds.size()));
        p.put("steps", stepSeconds.size());
        p.put("step_s_median", median);
        p.put("step_s_all", stepSeconds.size() <= 10 ? stepSeconds : null);
        p.put("tokens_per_s", seq / median);
        if (!rssAt.isEmpty()) {
          p.put("rss_mb_at_step", rssAt);
        }
      }
    }
    p.put("peak_rss_mb", mb(ProcStatus.peakBytes()));
    p.put("load_average_at_end", ProcStatus.loadAverage());
    System.err.println("bench tune: " + p);
    return p;
  }

  /** LoRA rank 8, alpha 16, dropout 0.05 on the architecture's default targets, as PEFT. */
  private static Tuner create(String method, CausalLM model, MethodOptions options) {
    if (!List.of("full", "lora", "qlora").contains(method)) {
      throw new dev.iclab.IclabException(
          "bench tune measures full, lora and qlora; got --methods " + method);
    }
    return TunerRegistry.standard().create(method, model, options);
  }

  private List<TrainingExample> randomSequences(int vocab, int count) {
    SplittableRandom random = new SplittableRandom(1);
    List<TrainingExample> data = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] ids = new int[seq];
      for (int t = 0; t < seq; t++) {
        ids[t] = random.nextInt(vocab);
      }
      data.add(TrainingExample.of(ids));
    }
    return data;
  }

  private static double mb(long bytes) {
    return bytes < 0 ? -1 : Math.round(bytes / 1048576.0 * 10) / 10.0;
  }

  private static double gib(long bytes) {
    return Math.round(bytes / 1073741824.0 * 100) / 100.0;
  }
}
