package dev.iclab.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.experiments.tune.TaskTraining;
import dev.iclab.experiments.tune.TuneJob;
import dev.iclab.icl.run.ExperimentPlan;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.MethodOptions;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TunerRegistry;
import dev.iclab.tune.optim.LrSchedule;
import dev.iclab.tune.prompt.PromptConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code iclab tune}: fine-tunes a model with one method and writes the adapter or checkpoint. */
@Command(
    name = "tune",
    mixinStandardHelpOptions = true,
    description =
        "Fine-tune a model with full, lora, qlora, prefix, prompt, adapter or kv (Dai et al.'s"
            + " key/value-only SGD) tuning, on a classification task (--task/--task-file: the"
            + " zero-shot prompts of iclab eval, loss on the label word only) or a JSONL text file"
            + " (--data: loss on every token). Writes a PEFT adapter (lora, qlora, prefix, prompt,"
            + " adapter) or a Hugging Face checkpoint (full, kv) to --out, which appears only when"
            + " training and saving succeeded (with --save-every it holds the checkpoints while"
            + " training). Texts longer than --max-length are truncated to their first tokens,"
            + " with a warning; task examples longer than it are left out, with a warning.")
public final class TuneCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;
  @Mixin VerbosityMixin verbosity;
  @Mixin ThreadsMixin threads;

  @Option(
      names = "--method",
      required = true,
      paramLabel = "M",
      description = "full, lora, qlora, prefix, prompt, adapter or kv.")
  String method;

  @Option(names = "--data", paramLabel = "FILE", description = "JSONL training file.")
  Path data;

  @Option(
      names = "--task",
      paramLabel = "NAME",
      description =
          "A built-in task (sst2, sst5, mr, subj, agnews, cb, rte, trec), as in iclab eval: trains"
              + " on its training split, one zero-shot prompt plus gold label word per row.")
  String task;

  @Option(
      names = "--task-file",
      paramLabel = "FILE",
      description = "A user task (YAML/JSON), as in iclab eval.")
  String taskFile;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "../shared/data",
      description = "Where built-in tasks' data are (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--train-limit",
      paramLabel = "N",
      description = "Train on the first N rows of the task's training split only.")
  Integer trainLimit;

  @Option(
      names = "--eval-every",
      paramLabel = "N",
      description =
          "Every N steps (and before the first and after the last), zero-shot accuracy on the"
              + " task's evaluation split with the method active, as iclab eval --shots 0 scores it.")
  Integer evalEvery;

  @Option(
      names = "--eval-limit",
      paramLabel = "M",
      defaultValue = "200",
      description = "Dev queries per evaluation (default: ${DEFAULT-VALUE}).")
  int evalLimit;

  @Option(
      names = "--save-every",
      paramLabel = "N",
      description =
          "Write a checkpoint (trained arrays, optimizer state, step) to --out/checkpoints every N"
              + " steps; --resume continues from the newest.")
  Integer saveEvery;

  @Option(
      names = "--resume",
      description = "Continue the run in --out from its newest checkpoint (same flags).")
  boolean resume;

  @Option(
      names = "--text-field",
      defaultValue = "text",
      description = "JSONL field (default: ${DEFAULT-VALUE}).")
  String textField;

  @Option(
      names = "--lora-r",
      defaultValue = "8",
      description = "LoRA rank (default: ${DEFAULT-VALUE}).")
  int loraR;

  @Option(
      names = "--lora-alpha",
      defaultValue = "16",
      description = "LoRA alpha (default: ${DEFAULT-VALUE}).")
  double loraAlpha;

  @Option(
      names = "--lora-dropout",
      defaultValue = "0.05",
      description = "LoRA dropout (default: ${DEFAULT-VALUE}).")
  double loraDropout;

  @Option(
      names = "--target",
      split = ",",
      paramLabel = "MODULE",
      description =
          "LoRA target modules (default: q_proj,v_proj; c_attn for GPT-2; query_key_value for NeoX).")
  List<String> targets;

  @Option(names = "--double-quant", description = "QLoRA: quantise the NF4 absmax values too.")
  boolean doubleQuant;

  @Option(
      names = "--prefix-len",
      defaultValue = "20",
      description = "Prefix tuning length (default: ${DEFAULT-VALUE}).")
  int prefixLength;

  @Option(
      names = "--reparam-hidden",
      defaultValue = "0",
      description = "Prefix MLP width; 0 for none (default: ${DEFAULT-VALUE}).")
  int reparamHidden;

  @Option(
      names = "--prompt-len",
      defaultValue = "20",
      description = "Prompt tuning length (default: ${DEFAULT-VALUE}).")
  int promptLength;

  @Option(
      names = "--prompt-init-text",
      paramLabel = "TEXT",
      description =
          "Initialise the soft prompt from this instruction's token embeddings (default: random vocabulary tokens).")
  String promptInitText;

  @Option(
      names = "--adapter-size",
      defaultValue = "64",
      description = "Bottleneck width (default: ${DEFAULT-VALUE}).")
  int adapterSize;

  @Option(
      names = "--optimizer",
      paramLabel = "sgd|adamw",
      description = "Default: adamw (sgd for kv).")
  String optimizer;

  @Option(
      names = "--lr",
      defaultValue = "1e-4",
      description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--epochs", description = "Passes over the data (default: 1).")
  Integer epochs;

  @Option(names = "--batch-size", description = "Sequences per micro-batch (default: 1).")
  Integer batchSize;

  @Option(
      names = "--grad-accum",
      defaultValue = "1",
      description = "Micro-batches per step (default: ${DEFAULT-VALUE}).")
  int gradAccum;

  @Option(
      names = "--schedule",
      defaultValue = "linear",
      description = "constant, linear or cosine (default: ${DEFAULT-VALUE}).")
  String schedule;

  @Option(
      names = "--warmup-steps",
      defaultValue = "0",
      description = "Linear warm-up steps (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--clip-norm",
      defaultValue = "1.0",
      description = "Gradient norm clipping; 0 for none (default: ${DEFAULT-VALUE}).")
  double clipNorm;

  @Option(
      names = "--label-smoothing",
      defaultValue = "0",
      description = "Label smoothing epsilon (default: ${DEFAULT-VALUE}).")
  double labelSmoothing;

  @Option(
      names = "--weight-decay",
      defaultValue = "0",
      description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(
      names = "--max-length",
      defaultValue = "512",
      description = "Tokens per text; longer ones are truncated (default: ${DEFAULT-VALUE}).")
  int maxLength;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed for order, dropout and init (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "New output directory.")
  Path out;

  @Option(names = "--json", description = "Print a JSON summary.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    checkFlags();
    TrainingConfig training = trainingConfig();
    ExperimentPlan plan =
        usesTask()
            ? TaskTraining.plan(task, taskFile, dataDir.normalize().toString(), evalLimit, false)
            : null;
    Path directory = modelOptions.directory();
    ObjectNode config = resolvedConfig(directory);
    TuneJob.Spec job =
        new TuneJob.Spec(
            method,
            modelOptions.model,
            directory,
            modelOptions.device(),
            plan,
            data,
            textField,
            maxLength,
            trainLimit,
            evalEvery,
            saveEvery,
            training,
            this::methodOptions,
            out,
            resume,
            config);
    ObjectNode[] summary = new ObjectNode[1];
    try (ProgressListener listener = new ProgressListener()) {
      threads.run(() -> summary[0] = TuneJob.run(job, listener));
    }
    print(summary[0]);
    return 0;
  }

  private void print(ObjectNode summary) {
    PrintWriter stdout = spec.commandLine().getOut();
    if (json) {
      Json.print(stdout, summary);
      return;
    }
    stdout.printf(
        "%s: loss %.4f -> %.4f over %d steps (%,d tokens, %.0f tok/s)%s; wrote %s%n",
        method,
        summary.get("first_loss").asDouble(),
        summary.get("last_loss").asDouble(),
        summary.get("steps").asInt(),
        summary.get("tokens").asLong(),
        summary.get("tokens_per_s").asDouble(),
        summary.has("dev_accuracy")
            ? ", dev accuracy %.3f".formatted(summary.get("dev_accuracy").asDouble())
            : "",
        out);
    stdout.flush();
  }

  /** Progress on stderr: notes as lines, the steps as a bar. */
  private final class ProgressListener implements TuneJob.Listener, AutoCloseable {
    private final PrintWriter err = spec.commandLine().getErr();
    private ProgressBar bar;

    @Override
    public void note(String line) {
      err.println(line);
      err.flush();
    }

    @Override
    public void started(int start, int total) {
      bar = ProgressBars.onStderr("tune " + method, total, " steps");
      bar.stepTo(start);
    }

    @Override
    public void stepped(Trainer.Progress p, double devAccuracy) {
      bar.stepTo(p.step());
      bar.setExtraMessage(
          " loss %.4f lr %.2e %.0f tok/s%s"
              .formatted(
                  p.loss(),
                  p.lr(),
                  p.tokensPerSecond(),
                  Double.isNaN(devAccuracy) ? "" : " dev %.3f".formatted(devAccuracy)));
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
      }
    }
  }

  private boolean usesTask() {
    return task != null || taskFile != null;
  }

  private void checkFlags() {
    if (!TunerRegistry.standard().methods().contains(method)) {
      throw new IclabException(
          "unknown --method %s; choose one of %s"
              .formatted(method, TunerRegistry.standard().methods()));
    }
    int sources = (data != null ? 1 : 0) + (task != null ? 1 : 0) + (taskFile != null ? 1 : 0);
    if (sources != 1) {
      throw new IclabException(
          "give the training data with exactly one of --task NAME, --task-file FILE or --data FILE.jsonl");
    }
    if (evalEvery != null && !usesTask()) {
      throw new IclabException(
          "--eval-every scores label accuracy on a task's evaluation split; use it with --task or --task-file");
    }
    if (evalEvery != null && evalEvery < 1 || evalLimit < 1) {
      throw new IclabException("--eval-every and --eval-limit must be >= 1");
    }
    if (saveEvery != null && saveEvery < 1) {
      throw new IclabException("--save-every must be >= 1, got " + saveEvery);
    }
    if (trainLimit != null && trainLimit < 1) {
      throw new IclabException("--train-limit must be >= 1, got " + trainLimit);
    }
  }

  /** Every flag that shapes the result; a resumed run must match it. */
  private ObjectNode resolvedConfig(Path directory) {
    ObjectNode c = Json.object();
    ObjectNode flags = c.putObject("config");
    for (var option : spec.options()) {
      String name = option.longestName().replaceFirst("^--", "").replace('-', '_');
      if (List.of("resume", "json", "verbose", "threads", "help", "version", "out")
          .contains(name)) {
        continue;
      }
      Object value = option.getValue();
      // as a tree, so that it compares equal to the same value read back from run.json
      flags.set(name, Json.MAPPER.valueToTree(value instanceof Path ? value.toString() : value));
    }
    ObjectNode m = c.putObject("model");
    m.put("directory", directory.normalize().toString());
    m.set("sha256", RunEnvironment.safetensorsSha256(directory));
    c.set("versions", RunEnvironment.versions());
    c.put("threads", threads.threads());
    return c;
  }

  private TrainingConfig trainingConfig() {
    LrSchedule.Kind kind;
    try {
      kind = LrSchedule.Kind.valueOf(schedule.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IclabException(
          "--schedule must be one of %s, got %s"
              .formatted(Arrays.toString(LrSchedule.Kind.values()), schedule));
    }
    if (method.equals("kv")) {
      // Dai et al.: plain SGD, batch 1, one epoch, demonstrations in order
      if ((optimizer != null && !optimizer.equals("sgd"))
          || (batchSize != null && batchSize != 1)
          || (epochs != null && epochs != 1)
          || gradAccum != 1) {
        throw new IclabException(
            "--method kv is Dai et al.'s restricted fine-tuning: plain SGD, batch size 1, one epoch in file order; drop --optimizer/--batch-size/--epochs/--grad-accum or use --method full");
      }
      return new TrainingConfig(
          "sgd", lr, 1, 1, 1, LrSchedule.Kind.CONSTANT, 0, 0, labelSmoothing, 0, false, seed);
    }
    return new TrainingConfig(
        optimizer == null ? "adamw" : optimizer,
        lr,
        epochs == null ? 1 : epochs,
        batchSize == null ? 1 : batchSize,
        gradAccum,
        kind,
        warmup,
        clipNorm,
        labelSmoothing,
        weightDecay,
        true,
        seed);
  }

  private MethodOptions methodOptions(Tokenizer tokenizer) {
    PromptConfig prompt =
        promptInitText == null
            ? PromptConfig.vocab(promptLength)
            : new PromptConfig(
                promptLength,
                PromptConfig.Init.TEXT,
                Arrays.stream(tokenizer.encode(promptInitText, false)).boxed().toList(),
                promptInitText);
    return new MethodOptions(
        new MethodOptions.Lora(loraR, loraAlpha, loraDropout, targets, doubleQuant),
        new MethodOptions.Prefix(prefixLength, reparamHidden),
        prompt,
        adapterSize,
        seed);
  }
}
