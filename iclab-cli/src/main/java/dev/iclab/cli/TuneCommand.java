package dev.iclab.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TrainingData;
import dev.iclab.tune.Tuner;
import dev.iclab.tune.adapter.AdapterConfig;
import dev.iclab.tune.adapter.AdapterTuner;
import dev.iclab.tune.full.FullConfig;
import dev.iclab.tune.full.FullTuner;
import dev.iclab.tune.kv.KvConfig;
import dev.iclab.tune.kv.KvTuner;
import dev.iclab.tune.lora.LoraConfig;
import dev.iclab.tune.lora.LoraTuner;
import dev.iclab.tune.optim.LrSchedule;
import dev.iclab.tune.prefix.PrefixConfig;
import dev.iclab.tune.prefix.PrefixTuner;
import dev.iclab.tune.prompt.PromptConfig;
import dev.iclab.tune.prompt.PromptTuner;
import dev.iclab.tune.qlora.QloraConfig;
import dev.iclab.tune.qlora.QloraTuner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
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
        "Fine-tune a model on a JSONL text file with full, lora, qlora, prefix, prompt, adapter or"
            + " kv (Dai et al.'s key/value-only SGD) tuning. Writes a PEFT adapter (lora, qlora,"
            + " prefix, prompt, adapter) or a Hugging Face checkpoint (full, kv) to --out, which"
            + " appears only when training and saving succeeded. Texts longer than --max-length"
            + " are truncated to their first tokens, with a warning.")
public final class TuneCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;
  @Mixin VerbosityMixin verbosity;

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
      description = "A named task (e.g. sst2); needs the data module, not available yet.")
  String task;

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
    if (task != null) {
      throw new IclabException(
          "--task needs the task datasets of the data module, which this build does not have yet; export the task's texts to JSONL and use --data");
    }
    if (data == null) {
      throw new IclabException("give the training texts with --data FILE.jsonl");
    }
    if (!dev.iclab.tune.TunerRegistry.standard().methods().contains(method)) {
      throw new IclabException(
          "unknown --method %s; choose one of %s"
              .formatted(method, dev.iclab.tune.TunerRegistry.standard().methods()));
    }
    OutputDirectory.checkFresh(out);
    TrainingConfig training = trainingConfig();
    Path directory = modelOptions.directory();
    PrintWriter err = spec.commandLine().getErr();
    try (CausalLM model = ModelLoader.standard().load(directory, modelOptions.device(), true);
        HfTokenizer tokenizer = HfTokenizer.load(directory);
        Tuner tuner = createTuner(model, tokenizer)) {
      var loaded = TrainingData.jsonl(data, textField, tokenizer, maxLength);
      if (loaded.truncated() > 0) {
        err.printf(
            "warning: %d of %d texts were longer than --max-length %d and were truncated%n",
            loaded.truncated(), loaded.examples().size(), maxLength);
        err.flush();
      }
      int context = model.config().contextLength();
      if (maxLength + tuner.virtualTokens() > context) {
        throw new IclabException(
            "--max-length %d plus %d virtual tokens exceeds the model's context window of %d; lower --max-length"
                .formatted(maxLength, tuner.virtualTokens(), context));
      }
      List<String> log = new ArrayList<>();
      Trainer.Result result;
      try (Trainer trainer = new Trainer(tuner, training, loaded.examples().size());
          ProgressBar bar =
              new ProgressBarBuilder()
                  .setTaskName("tune " + method)
                  .setInitialMax(trainer.totalSteps())
                  .setUnit(" steps", 1)
                  .setStyle(ProgressBarStyle.ASCII)
                  .setConsumer(
                      new me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer(System.err))
                  .build()) {
        result =
            trainer.train(
                loaded.examples(),
                p -> {
                  bar.stepTo(p.step());
                  bar.setExtraMessage(
                      " loss %.4f lr %.2e %.0f tok/s"
                          .formatted(p.loss(), p.lr(), p.tokensPerSecond()));
                  ObjectNode line = Json.object();
                  line.put("step", p.step());
                  line.put("epoch", p.epoch());
                  line.put("loss", p.loss());
                  line.put("lr", p.lr());
                  line.put("grad_norm", p.gradNorm());
                  line.put("tokens", p.tokens());
                  line.put("tokens_per_s", p.tokensPerSecond());
                  log.add(line.toString());
                });
      }
      ObjectNode summary = Json.object();
      summary.put("method", method);
      summary.put("peft_type", tuner.peftType());
      summary.put("model", modelOptions.model);
      summary.put("examples", loaded.examples().size());
      summary.put("truncated", loaded.truncated());
      summary.put("steps", result.steps());
      summary.put("tokens", result.tokens());
      summary.put("seconds", result.seconds());
      summary.put("tokens_per_s", result.tokens() / result.seconds());
      summary.put("first_loss", result.losses().get(0));
      summary.put("last_loss", result.losses().get(result.losses().size() - 1));
      summary.put(
          "trainable_parameters",
          tuner.parameters().stream().mapToLong(dev.iclab.tune.TrainableParameter::size).sum());
      summary.put("out", out.toString());
      OutputDirectory.write(
          out,
          temp -> {
            tuner.save(temp, new BaseModel(modelOptions.model, directory));
            try {
              Files.write(temp.resolve("metrics.jsonl"), log);
              Files.writeString(temp.resolve("tune_summary.json"), summary.toPrettyString() + "\n");
            } catch (IOException e) {
              throw new IclabException("cannot write to " + temp + ": " + e.getMessage(), e);
            }
          });
      PrintWriter stdout = spec.commandLine().getOut();
      if (json) {
        Json.print(stdout, summary);
      } else {
        stdout.printf(
            "%s: loss %.4f -> %.4f over %d steps (%,d tokens, %.0f tok/s); wrote %s%n",
            method,
            result.losses().get(0),
            result.losses().get(result.losses().size() - 1),
            result.steps(),
            result.tokens(),
            result.tokens() / result.seconds(),
            out);
        stdout.flush();
      }
      return 0;
    }
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

  private Tuner createTuner(CausalLM model, Tokenizer tokenizer) {
    List<String> loraTargets = targets != null ? targets : defaultTargets(model);
    return switch (method) {
      case "full" -> new FullTuner(model, new FullConfig());
      case "kv" -> new KvTuner(model, new KvConfig());
      case "lora" ->
          new LoraTuner(model, new LoraConfig(loraR, loraAlpha, loraDropout, loraTargets), seed);
      case "qlora" ->
          new QloraTuner(
              model,
              new QloraConfig(
                  new LoraConfig(loraR, loraAlpha, loraDropout, loraTargets), 64, doubleQuant),
              seed);
      case "prefix" -> new PrefixTuner(model, new PrefixConfig(prefixLength, reparamHidden), seed);
      case "prompt" -> {
        PromptConfig config =
            promptInitText == null
                ? PromptConfig.vocab(promptLength)
                : new PromptConfig(
                    promptLength,
                    PromptConfig.Init.TEXT,
                    Arrays.stream(tokenizer.encode(promptInitText, false)).boxed().toList(),
                    promptInitText);
        yield new PromptTuner(model, config, seed);
      }
      case "adapter" -> new AdapterTuner(model, new AdapterConfig(adapterSize), seed);
      default -> throw new IllegalStateException(method);
    };
  }

  private static List<String> defaultTargets(CausalLM model) {
    var names = dev.iclab.tune.ModuleTargets.validNames(model);
    if (names.contains("c_attn")) {
      return List.of("c_attn");
    }
    if (names.contains("query_key_value")) {
      return List.of("query_key_value");
    }
    return List.of("q_proj", "v_proj");
  }
}
