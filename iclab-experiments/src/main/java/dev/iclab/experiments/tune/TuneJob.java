package dev.iclab.experiments.tune;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.data.Example;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.experiments.RunEnvironment;
import dev.iclab.icl.run.ExperimentPlan;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.lm.tokenizer.VocabularyCheck;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingCheckpoint;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TrainingData;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.Tuner;
import dev.iclab.tune.TunerRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One fine-tuning run ({@code iclab tune}): loads the model, attaches the method, reads the
 * training data (a JSONL text file, or a task's training split as zero-shot prompts with their
 * answers), trains with optional dev evaluation and checkpoints, and writes the adapter or
 * checkpoint, metrics.jsonl, run.json, report.html ({@link TuneReport}) and tune_summary.json into
 * a {@link TuneRunFolder}.
 */
public final class TuneJob {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TuneJob() {}

  /**
   * A resolved run.
   *
   * @param modelDir the model directory {@code config} names
   * @param plan the task to train on ({@link #plan}), or null for a text file
   * @param threads PyTorch threads, recorded in run.json
   */
  public record Spec(
      TuneConfig config,
      Path modelDir,
      Device device,
      ExperimentPlan plan,
      Path out,
      boolean resume,
      int threads) {}

  /**
   * The plan of the task a run trains on, with its dev queries (those {@code iclab eval --limit
   * evalLimit} scores); null for a text file. Bad task input fails here, before anything is
   * written.
   */
  public static ExperimentPlan plan(TuneConfig config) {
    TuneConfig.TaskData task = config.task();
    return task == null
        ? null
        : TaskTraining.plan(task.task(), task.taskFile(), task.dataDir(), task.evalLimit(), false);
  }

  /** run.json: the config, the model (path and hashes), versions and threads. */
  private static ObjectNode runJson(Spec spec) {
    ObjectNode c = JSON.createObjectNode();
    c.set("config", spec.config().toJson());
    ObjectNode m = c.putObject("model");
    m.put("directory", spec.modelDir().normalize().toString());
    m.set("sha256", RunEnvironment.safetensorsSha256(spec.modelDir()));
    c.set("versions", RunEnvironment.versions());
    c.put("threads", spec.threads());
    return c;
  }

  /** What a run reports while it goes. */
  public interface Listener {
    /** A warning or a remark, one line. */
    void note(String line);

    /** Training starts at {@code start} (after a resume) of {@code total} optimizer steps. */
    void started(int start, int total);

    /** One optimizer step; {@code devAccuracy} is the latest dev accuracy, NaN without one. */
    void stepped(Trainer.Progress progress, double devAccuracy);
  }

  /**
   * Runs (or resumes) the tuning.
   *
   * @return tune_summary.json's content
   */
  public static ObjectNode run(Spec spec, Listener listener) {
    ObjectNode config = runJson(spec);
    try (TuneRunFolder folder = TuneRunFolder.open(spec.out(), spec.resume(), config)) {
      return train(spec, config, folder, listener);
    }
  }

  private static ObjectNode train(
      Spec spec, ObjectNode config, TuneRunFolder folder, Listener listener) {
    TuneConfig tune = spec.config();
    TrainingConfig training = tune.training();
    ExperimentPlan plan = spec.plan();
    Path directory = spec.modelDir();
    try (CausalLM model =
            ModelLoader.standard()
                .load(
                    directory,
                    spec.device(),
                    true,
                    TunerRegistry.whileLoading(tune.method(), tune.methodOptions()));
        Tokenizer tokenizer =
            VocabularyCheck.of(HfTokenizer.load(directory), model.config().vocabSize(), directory);
        Tuner tuner =
            TunerRegistry.standard().create(tune.method(), model, tune.methodOptions(tokenizer))) {
      List<TrainingExample> examples;
      long dataTokens;
      ZeroShotAccuracy devScorer = null;
      List<Example> devQueries = List.of();
      ObjectNode dataRecord = JSON.createObjectNode();
      Integer evalEvery = tune.task() == null ? null : tune.task().evalEvery();
      if (plan != null) {
        TaskTraining taskData =
            TaskTraining.of(
                plan,
                model,
                tokenizer,
                tune.maxLength(),
                tune.task().trainLimit(),
                evalEvery != null);
        examples = taskData.examples();
        dataTokens = taskData.tokens();
        if (taskData.leftOut() > 0) {
          listener.note(
              "warning: %d of %d training rows of %s are longer than --max-length %d with their answer and were left out"
                  .formatted(
                      taskData.leftOut(),
                      taskData.leftOut() + examples.size(),
                      plan.task().name(),
                      tune.maxLength()));
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
        Path file = Path.of(tune.text().file());
        var loaded = TrainingData.jsonl(file, tune.text().textField(), tokenizer, tune.maxLength());
        examples = loaded.examples();
        dataTokens = loaded.tokens();
        if (loaded.truncated() > 0) {
          listener.note(
              "warning: %d of %d texts were longer than --max-length %d and were truncated"
                  .formatted(loaded.truncated(), loaded.examples().size(), tune.maxLength()));
        }
        dataRecord.put("file", tune.text().file());
        dataRecord.put("sha256", DatasetLoader.sha256(file));
        dataRecord.put("truncated", loaded.truncated());
      }
      int context = model.config().contextLength();
      if (tune.maxLength() + tuner.virtualTokens() > context) {
        throw new IclabException(
            "--max-length %d plus %d virtual tokens exceeds the model's context window of %d; lower --max-length"
                .formatted(tune.maxLength(), tuner.virtualTokens(), context));
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
              JsonNode line = parse(saved, latest.get());
              tokensBefore = line.path("tokens").asLong(tokensBefore);
              if (line.path("step").asInt() == 0 && line.has("dev_accuracy")) {
                devAccuracy[0] = line.get("dev_accuracy").asDouble();
              }
            }
            listener.note(
                "resuming %s at step %d of %d".formatted(spec.out(), start, trainer.totalSteps()));
          }
        }
        folder.start(config);
        final List<Example> queries = devQueries;
        final ZeroShotAccuracy scorer = devScorer;
        if (scorer != null && start == 0) {
          devAccuracy[0] = scorer.accuracy(queries);
          devAccuracy[1] = devAccuracy[0];
          ObjectNode line = JSON.createObjectNode();
          line.put("step", 0);
          line.put("dev_accuracy", devAccuracy[0]);
          log.add(line.toString());
        }
        listener.started(start, trainer.totalSteps());
        {
          int startStep = start;
          long runTokens = tokensBefore;
          result =
              trainer.train(
                  examples,
                  startStep,
                  p -> {
                    ObjectNode line = p.metricsLine(runTokens);
                    if (scorer != null
                        && (p.step() % evalEvery == 0 || p.step() == p.totalSteps())) {
                      devAccuracy[1] = trainer.evaluating(() -> scorer.accuracy(queries));
                      line.put("dev_accuracy", devAccuracy[1]);
                    }
                    log.add(line.toString());
                    listener.stepped(p, devAccuracy[1]);
                    if (tune.saveEvery() != null
                        && p.step() % tune.saveEvery() == 0
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
      ObjectNode summary = JSON.createObjectNode();
      summary.put("method", tune.method());
      summary.put("peft_type", tuner.peftType());
      summary.put("model", tune.model());
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
      summary.put("out", spec.out().toString());
      folder.finish(
          temp -> {
            tuner.save(temp, new BaseModel(tune.model(), directory));
            TuneRunFolder.writeMetrics(temp, log);
            TuneRunFolder.writeJson(temp.resolve("run.json"), config);
            TuneReport.write(temp, log, summary);
          },
          summary);
      return summary;
    }
  }

  /** The training losses of a metrics log (the evaluation-only line at step 0 has none). */
  private static List<Double> losses(List<String> log) {
    List<Double> losses = new ArrayList<>();
    for (String line : log) {
      JsonNode node = parse(line, Path.of(TuneRunFolder.METRICS));
      if (node.has("loss")) {
        losses.add(node.get("loss").asDouble());
      }
    }
    return losses;
  }

  private static JsonNode parse(String text, Path source) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IclabException(
          "%s holds a line that is not JSON (%s); it is damaged: remove it and rerun"
              .formatted(source, e.getMessage().lines().findFirst().orElse("")),
          e);
    }
  }
}
