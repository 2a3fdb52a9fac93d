package dev.iclab.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.experiments.tune.TrainingFlags;
import dev.iclab.experiments.tune.TuneConfig;
import dev.iclab.experiments.tune.TuneJob;
import dev.iclab.icl.run.ExperimentPlan;
import dev.iclab.tune.MethodOptions;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.prompt.PromptConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code iclab tune}: fine-tunes a model with one method and writes the adapter or checkpoint. */
@Command(
    name = "tune",
    defaultValueProvider = TuneCommand.Defaults.class,
    description =
        "Fine-tune a model with full, lora, qlora, prefix, prompt, adapter or kv (Dai et al.'s"
            + " key/value-only SGD) tuning, on a classification task (--task/--task-file: the"
            + " zero-shot prompts of iclab eval, loss on the label word only) or a JSONL text file"
            + " (--data: loss on every token). Writes a PEFT adapter (lora, qlora, prefix, prompt,"
            + " adapter) or a Hugging Face checkpoint (full, kv) to --out, which appears only when"
            + " training and saving succeeded (with --save-every it holds the checkpoints while"
            + " training). Texts longer than --max-length are truncated to their first tokens,"
            + " with a warning; task examples longer than it are left out, with a warning.")
public final class TuneCommand extends ModelCommand {
  @Mixin TaskOptions taskOptions;
  @Mixin RunOptions run;
  @Mixin TrainingOptions training;
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

  @Option(names = "--epochs", description = "Passes over the data (default: 1).")
  Integer epochs;

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
      names = "--label-smoothing",
      defaultValue = "0",
      description = "Label smoothing epsilon (default: ${DEFAULT-VALUE}).")
  double labelSmoothing;

  @Option(
      names = "--recompute",
      defaultValue = "none",
      description =
          "none: the backward pass uses what the forward pass kept; layers: keep only each decoder"
              + " layer's input and run the layer again in the backward pass (less memory, about"
              + " one more forward pass of compute; dropout masks are drawn per layer)"
              + " (default: ${DEFAULT-VALUE}).")
  String recompute;

  @Option(
      names = "--max-length",
      defaultValue = "512",
      description = "Tokens per text; longer ones are truncated (default: ${DEFAULT-VALUE}).")
  int maxLength;

  @Option(names = "--json", description = "Print a JSON summary.")
  boolean json;

  @Override
  protected void execute() {
    TuneConfig config =
        new TuneConfig(
            method,
            modelOptions.name(),
            new TuneConfig.TaskData(
                taskOptions.task,
                taskOptions.taskFile,
                taskOptions.dataDir(),
                trainLimit,
                evalEvery,
                evalLimit),
            data == null ? null : new TuneConfig.TextData(data.toString(), textField),
            maxLength,
            training.saveEvery,
            new TrainingFlags(
                optimizer,
                training.lr,
                epochs,
                training.batchSize,
                gradAccum,
                schedule,
                training.warmupSteps,
                training.clipNorm,
                labelSmoothing,
                training.weightDecay,
                training.seed,
                recompute),
            new MethodOptions(
                new MethodOptions.Lora(loraR, loraAlpha, loraDropout, targets, doubleQuant),
                new MethodOptions.Prefix(prefixLength, reparamHidden),
                PromptConfig.vocab(promptLength),
                adapterSize,
                training.seed),
            promptInitText);
    ExperimentPlan plan = TuneJob.plan(config);
    TuneJob.Spec job =
        new TuneJob.Spec(
            config,
            modelOptions.directory(),
            modelOptions.device(),
            plan,
            run.out(),
            run.resume(),
            threads.threads());
    ObjectNode[] summary = new ObjectNode[1];
    try (ProgressListener listener = new ProgressListener()) {
      threads.run(() -> summary[0] = TuneJob.run(job, listener));
    }
    print(summary[0]);
  }

  private void print(ObjectNode summary) {
    PrintWriter stdout = out();
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
        run.out());
    stdout.flush();
  }

  /** Progress on stderr: notes as lines, the steps as a bar. */
  private final class ProgressListener extends BarListener implements TuneJob.Listener {

    @Override
    public void note(String line) {
      err().println(line);
      err().flush();
    }

    @Override
    public void started(int start, int total) {
      open("tune " + method, total, " steps");
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
  }

  /** tune's defaults of the shared training flags. */
  static final class Defaults extends OptionDefaults {
    Defaults() {
      super(Map.of("--lr", "1e-4", "--warmup-steps", "0", "--batch-size", "1"));
    }
  }
}
