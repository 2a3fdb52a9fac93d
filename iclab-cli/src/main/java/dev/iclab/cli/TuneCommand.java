package dev.iclab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.data.Example;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.experiments.tune.TaskTraining;
import dev.iclab.experiments.tune.ZeroShotAccuracy;
import dev.iclab.icl.run.ExperimentPlan;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.lm.tokenizer.VocabularyCheck;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.MethodOptions;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingCheckpoint;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TrainingData;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.Tuner;
import dev.iclab.tune.TunerRegistry;
import dev.iclab.tune.optim.LrSchedule;
import dev.iclab.tune.prompt.PromptConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
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
    int[] exit = new int[1];
    try (TuneRunFolder folder = TuneRunFolder.open(out, resume, config)) {
      threads.run(() -> exit[0] = train(training, plan, directory, config, folder));
    }
    return exit[0];
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

  private int train(
      TrainingConfig training,
      ExperimentPlan plan,
      Path directory,
      ObjectNode config,
      TuneRunFolder folder) {
    PrintWriter err = spec.commandLine().getErr();
    try (CausalLM model = ModelLoader.standard().load(directory, modelOptions.device(), true);
        Tokenizer tokenizer =
            VocabularyCheck.of(HfTokenizer.load(directory), model.config().vocabSize(), directory);
        Tuner tuner = createTuner(model, tokenizer)) {
      List<TrainingExample> examples;
      long dataTokens;
      ZeroShotAccuracy devScorer = null;
      List<Example> devQueries = List.of();
      ObjectNode dataRecord = Json.object();
      if (plan != null) {
        TaskTraining taskData =
            TaskTraining.of(plan, model, tokenizer, maxLength, trainLimit, evalEvery != null);
        examples = taskData.examples();
        dataTokens = taskData.tokens();
        if (taskData.leftOut() > 0) {
          err.printf(
              "warning: %d of %d training rows of %s are longer than --max-length %d with their answer and were left out%n",
              taskData.leftOut(),
              taskData.leftOut() + examples.size(),
              plan.task().name(),
              maxLength);
          err.flush();
        }
        dataRecord.put("task", plan.task().name());
        dataRecord.put("train", plan.train().source().toString());
        dataRecord.put("train_sha256", plan.train().sha256());
        dataRecord.put("eval", plan.eval().source().toString());
        dataRecord.put("eval_sha256", plan.eval().sha256());
        dataRecord.put("left_out", taskData.leftOut());
        if (evalEvery != null) {
          devScorer = new ZeroShotAccuracy(tuner, plan.task(), tokenizer);
          devQueries = taskData.dev();
        }
      } else {
        var loaded = TrainingData.jsonl(data, textField, tokenizer, maxLength);
        examples = loaded.examples();
        dataTokens = loaded.tokens();
        if (loaded.truncated() > 0) {
          err.printf(
              "warning: %d of %d texts were longer than --max-length %d and were truncated%n",
              loaded.truncated(), loaded.examples().size(), maxLength);
          err.flush();
        }
        dataRecord.put("file", data.toString());
        dataRecord.put("sha256", DatasetLoader.sha256(data));
        dataRecord.put("truncated", loaded.truncated());
      }
      int context = model.config().contextLength();
      if (maxLength + tuner.virtualTokens() > context) {
        throw new IclabException(
            "--max-length %d plus %d virtual tokens exceeds the model's context window of %d; lower --max-length"
                .formatted(maxLength, tuner.virtualTokens(), context));
      }
      config.set("data", dataRecord);
      List<String> log = new ArrayList<>();
      Trainer.Result result;
      double[] devAccuracy = {Double.NaN, Double.NaN}; // before training, latest
      int start = 0;
      // A resumed run continues the token count and keeps its evaluation before training.
      long tokensBefore = 0;
      try (Trainer trainer = new Trainer(tuner, training, examples.size())) {
        if (folder.resumed()) {
          var latest = TrainingCheckpoint.latest(folder.checkpoints());
          if (latest.isPresent()) {
            start = TrainingCheckpoint.restore(trainer, latest.get());
            log.addAll(TuneRunFolder.readMetrics(latest.get()));
            for (String saved : log) {
              JsonNode line = Json.parse(saved, latest.get());
              tokensBefore = line.path("tokens").asLong(tokensBefore);
              if (line.path("step").asInt() == 0 && line.has("dev_accuracy")) {
                devAccuracy[0] = line.get("dev_accuracy").asDouble();
              }
            }
            err.printf("resuming %s at step %d of %d%n", out, start, trainer.totalSteps());
            err.flush();
          }
        }
        folder.start(config);
        final List<Example> queries = devQueries;
        final ZeroShotAccuracy scorer = devScorer;
        if (scorer != null && start == 0) {
          devAccuracy[0] = scorer.accuracy(queries);
          devAccuracy[1] = devAccuracy[0];
          ObjectNode line = Json.object();
          line.put("step", 0);
          line.put("dev_accuracy", devAccuracy[0]);
          log.add(line.toString());
        }
        try (ProgressBar bar =
            ProgressBars.onStderr("tune " + method, trainer.totalSteps(), " steps")) {
          bar.stepTo(start);
          int startStep = start;
          long runTokens = tokensBefore;
          result =
              trainer.train(
                  examples,
                  startStep,
                  p -> {
                    ObjectNode line = Json.object();
                    line.put("step", p.step());
                    line.put("epoch", p.epoch());
                    line.put("loss", p.loss());
                    line.put("lr", p.lr());
                    line.put("grad_norm", p.gradNorm());
                    line.put("tokens", runTokens + p.tokens());
                    line.put("tokens_per_s", p.tokensPerSecond());
                    if (scorer != null
                        && (p.step() % evalEvery == 0 || p.step() == p.totalSteps())) {
                      devAccuracy[1] = trainer.evaluating(() -> scorer.accuracy(queries));
                      line.put("dev_accuracy", devAccuracy[1]);
                    }
                    log.add(line.toString());
                    bar.stepTo(p.step());
                    bar.setExtraMessage(
                        " loss %.4f lr %.2e %.0f tok/s%s"
                            .formatted(
                                p.loss(),
                                p.lr(),
                                p.tokensPerSecond(),
                                Double.isNaN(devAccuracy[1])
                                    ? ""
                                    : " dev %.3f".formatted(devAccuracy[1])));
                    if (saveEvery != null
                        && p.step() % saveEvery == 0
                        && p.step() < p.totalSteps()) {
                      TrainingCheckpoint.save(
                          trainer,
                          p.step(),
                          folder.checkpoints(),
                          1,
                          dir -> TuneRunFolder.writeMetrics(dir, log));
                    }
                  });
        }
      }
      ObjectNode summary = Json.object();
      summary.put("method", method);
      summary.put("peft_type", tuner.peftType());
      summary.put("model", modelOptions.model);
      summary.put("examples", examples.size());
      summary.put("data_tokens", dataTokens);
      summary.put("steps", result.steps());
      summary.put("resumed_at", start);
      summary.put("tokens", tokensBefore + result.tokens());
      summary.put("seconds", result.seconds());
      summary.put("tokens_per_s", result.tokens() / result.seconds());
      List<Double> losses = losses(log);
      summary.put("first_loss", losses.get(0));
      summary.put("last_loss", losses.get(losses.size() - 1));
      if (devScorer != null) {
        summary.put("dev_queries", devQueries.size());
        if (!Double.isNaN(devAccuracy[0])) {
          summary.put("dev_accuracy_before", devAccuracy[0]);
        }
        summary.put("dev_accuracy", devAccuracy[1]);
      }
      if (dataRecord.has("truncated")) {
        summary.put("truncated", dataRecord.get("truncated").asInt());
      } else {
        summary.put("left_out", dataRecord.get("left_out").asInt());
      }
      summary.put(
          "trainable_parameters",
          tuner.parameters().stream().mapToLong(dev.iclab.tune.TrainableParameter::size).sum());
      summary.put("out", out.toString());
      folder.finish(
          temp -> {
            tuner.save(temp, new BaseModel(modelOptions.model, directory));
            TuneRunFolder.writeMetrics(temp, log);
            TuneRunFolder.writeJson(temp.resolve("run.json"), config);
          },
          summary);
      PrintWriter stdout = spec.commandLine().getOut();
      if (json) {
        Json.print(stdout, summary);
      } else {
        stdout.printf(
            "%s: loss %.4f -> %.4f over %d steps (%,d tokens, %.0f tok/s)%s; wrote %s%n",
            method,
            losses.get(0),
            losses.get(losses.size() - 1),
            result.steps(),
            result.tokens(),
            result.tokens() / result.seconds(),
            devScorer == null ? "" : ", dev accuracy %.3f".formatted(devAccuracy[1]),
            out);
        stdout.flush();
      }
      return 0;
    }
  }

  /** The training losses of a metrics log (the evaluation-only line at step 0 has none). */
  private static List<Double> losses(List<String> log) {
    List<Double> losses = new ArrayList<>();
    for (String line : log) {
      try {
        var node = Json.MAPPER.readTree(line);
        if (node.has("loss")) {
          losses.add(node.get("loss").asDouble());
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return losses;
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

  private Tuner createTuner(CausalLM model, Tokenizer tokenizer) {
    PromptConfig prompt =
        promptInitText == null
            ? PromptConfig.vocab(promptLength)
            : new PromptConfig(
                promptLength,
                PromptConfig.Init.TEXT,
                Arrays.stream(tokenizer.encode(promptInitText, false)).boxed().toList(),
                promptInitText);
    MethodOptions options =
        new MethodOptions(
            loraR,
            loraAlpha,
            loraDropout,
            targets,
            doubleQuant,
            prefixLength,
            reparamHidden,
            prompt,
            adapterSize,
            seed);
    return TunerRegistry.standard().create(method, model, options);
  }
}
