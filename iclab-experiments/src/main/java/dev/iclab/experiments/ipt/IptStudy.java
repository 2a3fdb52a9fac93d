package dev.iclab.experiments.ipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.run.RunFolder;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.MethodOptions;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.Tuner;
import dev.iclab.tune.TunerRegistry;
import dev.iclab.tune.ipt.QueryAccuracy;
import dev.iclab.tune.optim.LrSchedule;
import dev.iclab.tune.prompt.PromptConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The stages of an intrinsic prompt tuning study in one run folder; each stage skips the work
 * already done, so an interrupted stage is finished by running it again:
 *
 * <ol>
 *   <li>{@code pt/<task>/}: prompt tuning of every task (the PEFT adapter and result.json, moved in
 *       whole when the task is done);
 *   <li>{@code msf/d<d_I>[-f<fraction>]/}: the auto-encoder over the training tasks' prompts
 *       ({@code autoencoder.safetensors}, written last; a checkpoint while training);
 *   <li>{@code ist/<msf|random>-d<d_I>[-f<fraction>]/<task>/}: the intrinsic vector of each task
 *       tuned through the MSF decoder, or through a random decoder of the same shape;
 *   <li>{@code summary.json} and {@code report.html}.
 * </ol>
 */
public final class IptStudy {
  /** A stage, as the subcommands name them. */
  public enum Stage {
    PROMPTS,
    MSF,
    IST,
    EVAL
  }

  public static final String SUMMARY = "summary.json";
  static final String RESULT = IptFiles.RESULT;
  private static final ObjectMapper JSON = new ObjectMapper();

  final IptConfig config;
  final CausalLM model;
  private final BaseModel base;
  final Map<String, IptTask> tasks;

  /** The study's folder; {@link #folder} is its lock, held by the study's (parent) process. */
  final Path dir;

  private final RunFolder folder;
  final Shard shard;
  final Consumer<String> log;

  /**
   * Which of a stage's runs (tasks, auto-encoders, IST runs, in the stage's order) one process
   * does: run k when {@code k % count == index}. {@link #ALL} is every run.
   */
  record Shard(int index, int count) {
    static final Shard ALL = new Shard(0, 1);

    boolean mine(int k) {
      return k % count == index;
    }
  }

  private IptStudy(
      IptConfig config,
      CausalLM model,
      BaseModel base,
      Map<String, IptTask> tasks,
      Path dir,
      RunFolder folder,
      Shard shard,
      Consumer<String> log) {
    this.config = config;
    this.model = model;
    this.base = base;
    this.tasks = tasks;
    this.dir = dir;
    this.folder = folder;
    this.shard = shard;
    this.log = log;
  }

  /**
   * Opens the model (owned FP32 weights) and its tokenizer, then runs {@code stages} of the study
   * in {@code out}; with {@code workers} above 1, the runs of the prompts, msf and ist stages are
   * shared out among that many child processes ({@link IptWorkers}) of {@code threads} engine
   * threads each, with the results a single process writes.
   */
  public static void run(
      IptConfig config,
      Path modelDir,
      ai.djl.Device device,
      Path dataDir,
      Path out,
      boolean resume,
      List<Stage> stages,
      int workers,
      int threads,
      Consumer<String> log) {
    if (workers < 1) {
      throw new IclabException("--workers must be >= 1, got " + workers);
    }
    try (CausalLM model = dev.iclab.lm.ModelLoader.standard().load(modelDir, device, true);
        Tokenizer tokenizer = tokenizer(modelDir, model)) {
      run(
          config,
          model,
          tokenizer,
          new BaseModel(config.model(), modelDir),
          dev.iclab.data.fewshot.TaskFamilies.standard(),
          dataDir,
          out,
          resume,
          stages,
          workers == 1 ? null : new IptWorkers(workers, threads, modelDir, device, dataDir),
          log);
    }
  }

  static Tokenizer tokenizer(Path modelDir, CausalLM model) {
    return dev.iclab.lm.tokenizer.VocabularyCheck.of(
        dev.iclab.lm.tokenizer.HfTokenizer.load(modelDir), model.config().vocabSize(), modelDir);
  }

  /**
   * Runs {@code stages} of the study in {@code out} on a loaded model: checks the input, locks the
   * folder (fresh, or continuing a study of the same config when {@code resume}), and writes
   * run.json; {@code workers} (or null for this process alone) runs the prompts, msf and ist
   * stages.
   */
  static void run(
      IptConfig config,
      CausalLM model,
      Tokenizer tokenizer,
      BaseModel base,
      dev.iclab.data.fewshot.TaskFamilies families,
      Path dataDir,
      Path out,
      boolean resume,
      List<Stage> stages,
      IptWorkers workers,
      Consumer<String> log) {
    Map<String, IptTask> tasks = IptTasks.load(config, families, dataDir, model, tokenizer);
    ObjectNode identity = JSON.createObjectNode();
    identity.set("config", config.toJson());
    RunFolder.Kind kind = RunFolder.Kind.finishedBy(SUMMARY);
    try (RunFolder folder = RunFolder.open(out, resume, identity, kind)) {
      if (!folder.resumed()) {
        ObjectNode run = identity.deepCopy();
        run.put("created", java.time.Instant.now().toString());
        folder.writeJson(RunFolder.RUN, run);
      }
      IptStudy study =
          new IptStudy(config, model, base, tasks, folder.path(), folder, Shard.ALL, log);
      folder.writeJson("tasks.json", study.tasksJson());
      for (Stage stage : stages) {
        if (workers != null && stage != Stage.EVAL) {
          workers.run(study, stage);
          continue;
        }
        study.stage(stage);
      }
    }
  }

  /**
   * Runs {@code stage}'s share {@code shard} in the study folder {@code dir} that another process
   * (the study's) holds locked: what an {@link IptWorkers} child does.
   */
  static void runShard(
      IptConfig config,
      CausalLM model,
      Tokenizer tokenizer,
      BaseModel base,
      Path dataDir,
      Path dir,
      Stage stage,
      Shard shard,
      Consumer<String> log) {
    Map<String, IptTask> tasks =
        IptTasks.load(
            config, dev.iclab.data.fewshot.TaskFamilies.standard(), dataDir, model, tokenizer);
    new IptStudy(config, model, base, tasks, dir, null, shard, log).stage(stage);
  }

  private void stage(Stage stage) {
    switch (stage) {
      case PROMPTS -> prompts();
      case MSF -> msf();
      case IST -> ist();
      case EVAL -> evaluate();
    }
  }

  private ObjectNode tasksJson() {
    ObjectNode out = JSON.createObjectNode();
    for (IptTask t : tasks.values()) {
      ObjectNode n = out.putObject(t.name());
      n.put("split", config.trainTasks().contains(t.name()) ? "train" : "test");
      n.putPOJO("label_words", t.task().task().labelWords());
      n.put("left_out_too_long", t.leftOut());
      n.put("test_majority", t.majority());
      for (var e :
          Map.of("train", t.splits().train(), "dev", t.splits().dev(), "test", t.splits().test())
              .entrySet()) {
        ArrayNode ids = n.putArray(e.getKey() + "_ids");
        e.getValue().forEach(x -> ids.add(x.id()));
      }
    }
    return out;
  }

  // ---- stage 1: prompt tuning of every task

  void prompts() {
    List<String> names = config.allTasks();
    for (int k = 0; k < names.size(); k++) {
      String name = names.get(k);
      Path dir = this.dir.resolve("pt").resolve(IptFiles.safe(name));
      if (!shard.mine(k) || IptFiles.done(dir)) {
        continue;
      }
      IptTask task = tasks.get(name);
      long start = System.nanoTime();
      MethodOptions options =
          MethodOptions.defaults(config.seed()).withPrompt(promptConfig(config));
      try (Tuner tuner = TunerRegistry.standard().create("prompt", model, options)) {
        List<Double> losses = train(tuner, task.trainingExamples(), config.steps(), config.lr());
        ObjectNode result = result(name, tuner, task, losses, start);
        save(dir, tuner, result);
        log.accept(
            "pt  %-40s test %.3f  dev %.3f  [%d/%d]"
                .formatted(
                    name,
                    result.get("test_accuracy").asDouble(),
                    result.get("dev_accuracy").asDouble(),
                    k + 1,
                    names.size()));
      }
    }
  }

  static PromptConfig promptConfig(IptConfig config) {
    return new PromptConfig(
        config.promptLength(),
        config.promptInit().equals("random") ? PromptConfig.Init.RANDOM : PromptConfig.Init.VOCAB,
        List.of(),
        null);
  }

  /**
   * Trains {@code tuner} for exactly {@code steps} AdamW steps of {@code batchSize} examples: the
   * examples are visited in seeded shuffled rounds, cut to steps x batch.
   */
  List<Double> train(Tuner tuner, List<TrainingExample> examples, int steps, double lr) {
    List<TrainingExample> cycle = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(config.seed());
    while (cycle.size() < steps * config.batchSize()) {
      List<TrainingExample> round = new ArrayList<>(examples);
      Collections.shuffle(round, new Random(random.nextLong()));
      cycle.addAll(round);
    }
    cycle = cycle.subList(0, steps * config.batchSize());
    TrainingConfig training =
        new TrainingConfig(
            "adamw",
            lr,
            1,
            config.batchSize(),
            1,
            LrSchedule.Kind.CONSTANT,
            0,
            1.0,
            0,
            0,
            false,
            config.seed());
    try (Trainer trainer = new Trainer(tuner, training, cycle.size())) {
      return trainer.train(cycle, p -> {}).losses();
    }
  }

  ObjectNode result(String name, Tuner tuner, IptTask task, List<Double> losses, long start) {
    ObjectNode r = JSON.createObjectNode();
    r.put("task", name);
    r.put("split", config.trainTasks().contains(name) ? "train" : "test");
    r.put("test_accuracy", QueryAccuracy.of(tuner, task.test()));
    r.put("dev_accuracy", QueryAccuracy.of(tuner, task.dev()));
    r.put("test_examples", task.test().size());
    r.put("first_loss", losses.get(0));
    r.put("last_loss", losses.get(losses.size() - 1));
    r.put("seconds", (System.nanoTime() - start) / 1e9);
    return r;
  }

  // ---- stage 2: multi-task subspace finding ({@link IptMsf})

  void msf() {
    new IptMsf(this).run();
  }

  // ---- stage 3: intrinsic subspace tuning ({@link IptIst})

  void ist() {
    new IptIst(this).run();
  }

  /** Moves a tuned task into {@code dir} in whole: the tuner's files, then its result. */
  void save(Path dir, Tuner tuner, ObjectNode result) {
    IptFiles.writeWhole(
        dir,
        temp -> {
          tuner.save(temp, base);
          IptFiles.writeJson(temp.resolve(RESULT), result);
        });
  }

  // ---- stage 4: evaluation

  void evaluate() {
    IptSummary summary = IptSummary.collect(config, dir, tasks);
    folder.writeJson("tasks_metrics.json", summary.perTask());
    AtomicFiles.writeString(folder.resolve("report.html"), IptReport.html(config, summary.json()));
    folder.writeJson(SUMMARY, summary.json());
    JsonNode rel = summary.json().path("relative_performance");
    log.accept(
        "relative performance IST/PT: train %.3f  test %.3f"
            .formatted(rel.path("train").asDouble(), rel.path("test").asDouble()));
  }
}
