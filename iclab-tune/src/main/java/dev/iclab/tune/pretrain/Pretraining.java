package dev.iclab.tune.pretrain;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.lm.ModelFiles;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.run.RunFolder;
import dev.iclab.tune.BatchLoss;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingCheckpoint;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TuneException;
import dev.iclab.tune.full.FullConfig;
import dev.iclab.tune.full.FullTuner;
import dev.iclab.tune.optim.LrSchedule;
import dev.iclab.tune.peft.HfCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Trains a causal LM from scratch and writes a Hugging Face checkpoint that every iclab command
 * loads: a {@link FreshModel} of the requested shape is trained on a {@link Corpus} with the
 * fine-tuning stack (full tuning, AdamW, warm-up then cosine decay, {@link TrainingCheckpoint}s).
 *
 * <p>The run folder holds {@code run.json} (resolved config, data hashes, environment), {@code
 * init/} (the untrained model: the same shape and tokenizer, a control for analyses), and at the
 * end config.json, model.safetensors, the tokenizer files, {@code metrics.jsonl}, {@code loss.png},
 * {@code report.html} and {@link #SUMMARY} last (a run is finished when it is there). Without
 * checkpoints the folder is built beside {@code out} and renamed into place at the end; with them
 * it holds {@code checkpoints/} while training, and {@code resume} continues from the newest to the
 * same weights as a run that never stopped. All input is checked before anything is written.
 */
public final class Pretraining {
  public static final String RUN = "run.json";
  static final String CHECKPOINTS = "checkpoints";
  public static final String SUMMARY = "pretrain_summary.json";
  public static final String METRICS = "metrics.jsonl";
  public static final String INIT = "init";
  static final ObjectMapper JSON = new ObjectMapper();
  // Finished when the summary is there; a finished run has nothing to resume.
  private static final RunFolder.Kind FOLDER =
      RunFolder.Kind.finishedBy(SUMMARY).refusingFinishedResume();
  private static final List<String> TOKENIZER_FILES =
      ModelFiles.join(ModelFiles.TOKENIZER, List.of(ModelFiles.SENTENCEPIECE));

  /** What the caller hears while the run goes (progress bars, logs). */
  public interface Listener {
    /** Training starts at optimizer step {@code startStep} (after a resume) of {@code total}. */
    default void started(int startStep, int totalSteps, long parameters) {}

    /** After each step; {@code validPerplexity} is NaN when the step did not evaluate. */
    default void stepped(Trainer.Progress progress, double validPerplexity) {}

    /** Before the first step: validation perplexity of the untrained model. */
    default void evaluated(int step, double validPerplexity) {}

    /** After the last step, before the model is written and closed (read-only use). */
    default void finished(CausalLM model) {}
  }

  /** The outcome of a run. */
  public record Summary(
      int steps,
      int resumedAt,
      long tokens,
      double seconds,
      double firstLoss,
      double lastLoss,
      double validPerplexity,
      long parameters,
      Path out) {
    /** As written to {@value Pretraining#SUMMARY} (the folder as given). */
    public ObjectNode toJson() {
      ObjectNode s = JSON.createObjectNode();
      s.put("steps", steps);
      s.put("resumed_at", resumedAt);
      s.put("tokens", tokens);
      s.put("seconds", seconds);
      s.put("tokens_per_s", tokens / seconds);
      s.put("first_loss", firstLoss);
      s.put("last_loss", lastLoss);
      s.put("valid_perplexity", validPerplexity);
      s.put("parameters", parameters);
      s.put("out", out.toString());
      return s;
    }
  }

  private Pretraining() {}

  /**
   * Runs (or resumes) a pre-training.
   *
   * @param environment recorded in run.json as is (versions, threads); not compared on resume
   * @throws TuneException and ConfigException for bad input, before anything is written
   */
  public static Summary run(
      PretrainConfig config,
      Path out,
      boolean resume,
      Device device,
      ObjectNode environment,
      Listener listener) {
    try (HfTokenizer tokenizer = HfTokenizer.load(config.tokenizer())) {
      ModelShape shape =
          new ModelShape(
              config.arch(),
              config.layers(),
              config.hidden(),
              config.heads(),
              config.context(),
              tokenizer.vocabularySize(),
              tokenizer.bosTokenId().orElse(-1),
              tokenizer.eosTokenIds(),
              config.attention());
      Corpus train = Corpus.read(config.data(), "--data", tokenizer, config.context());
      Corpus valid =
          config.valid() == null
              ? null
              : Corpus.read(config.valid(), "--valid", tokenizer, config.context())
                  .spread(config.evalWindows());
      ObjectNode run = JSON.createObjectNode();
      run.set("config", config.toJson());
      ObjectNode data = run.putObject("data");
      describe(data.putObject("train"), config.data(), train);
      if (valid != null) {
        describe(data.putObject("valid"), config.valid(), valid);
      }
      ObjectNode model = run.putObject("model");
      model.set("config", shape.configJson());
      run.set("environment", environment);
      ObjectNode identity = JSON.createObjectNode();
      identity.set("config", run.get("config"));
      identity.set("data", run.get("data"));
      identity.set("model", run.get("model"));
      try (RunFolder folder = RunFolder.open(out, resume, identity, FOLDER)) {
        if (!folder.resumed()) {
          folder.writeJson(RUN, run);
        }
        if (!Files.isRegularFile(folder.resolve(INIT).resolve("config.json"))) {
          // The seeded initial weights (and config), moved in whole; made again when a run was
          // interrupted before they were in place.
          folder.finish(
              temp -> {
                Path init = temp.resolve(INIT);
                createDirectories(init);
                FreshModel.write(shape, config.seed(), init);
                copyTokenizer(config.tokenizer(), init);
              });
        }
        Summary summary = train(config, folder, device, train, valid, listener);
        deleteTree(folder.resolve(CHECKPOINTS));
        return summary;
      }
    }
  }

  private static Summary train(
      PretrainConfig config,
      RunFolder folder,
      Device device,
      Corpus train,
      Corpus valid,
      Listener listener) {
    Path work = folder.path();
    int windows = train.windows().size();
    int epochs =
        (int)
            Math.min(
                Integer.MAX_VALUE,
                ((long) config.steps() * config.batchSize() + windows - 1) / windows);
    TrainingConfig training =
        new TrainingConfig(
            "adamw",
            config.lr(),
            epochs,
            config.batchSize(),
            1,
            LrSchedule.Kind.COSINE,
            config.warmupSteps(),
            config.clipNorm(),
            0,
            config.weightDecay(),
            true,
            config.seed());
    try (CausalLM model = ModelLoader.standard().load(work.resolve(INIT), device, true);
        FullTuner tuner = new FullTuner(model, new FullConfig());
        Trainer trainer = new Trainer(tuner, training, windows, config.steps())) {
      List<String> log = new ArrayList<>();
      int start = 0;
      long tokensBefore = 0; // a resumed run's count goes on from its checkpoint
      if (folder.resumed()) {
        var latest = TrainingCheckpoint.latest(folder.resolve(CHECKPOINTS));
        if (latest.isPresent()) {
          start = TrainingCheckpoint.restore(trainer, latest.get());
          log.addAll(readLines(latest.get().resolve(METRICS)));
          for (JsonNode line : parse(log)) {
            tokensBefore = line.path("tokens").asLong(tokensBefore);
          }
        }
      }
      long runTokens = tokensBefore;
      listener.started(start, trainer.totalSteps(), model.parameterCount());
      double[] perplexity = {Double.NaN};
      if (valid != null && start == 0) {
        perplexity[0] = perplexity(tuner, valid, config.batchSize());
        ObjectNode line = JSON.createObjectNode();
        line.put("step", 0);
        putValid(line, perplexity[0]);
        log.add(line.toString());
        listener.evaluated(0, perplexity[0]);
      }
      Trainer.Result result =
          trainer.train(
              train.windows(),
              start,
              p -> {
                ObjectNode line = p.metricsLine(runTokens);
                line.put("batch_hash", Long.toHexString(p.batchHash()));
                double ppl = Double.NaN;
                boolean last = p.step() == p.totalSteps();
                if (valid != null
                    && (last || (config.evalEvery() > 0 && p.step() % config.evalEvery() == 0))) {
                  ppl = trainer.evaluating(() -> perplexity(tuner, valid, config.batchSize()));
                  putValid(line, ppl);
                  perplexity[0] = ppl;
                }
                log.add(line.toString());
                listener.stepped(p, ppl);
                if (config.saveEvery() > 0 && p.step() % config.saveEvery() == 0 && !last) {
                  TrainingCheckpoint.save(
                      trainer,
                      p.step(),
                      folder.resolve(CHECKPOINTS),
                      1,
                      dir -> AtomicFiles.writeString(dir.resolve(METRICS), lines(log)));
                }
              });
      listener.finished(model);
      HfCheckpoints.save(model, work.resolve(INIT), work);
      AtomicFiles.writeString(work.resolve(METRICS), lines(log));
      List<JsonNode> metrics = parse(log);
      PretrainReport.write(work, config, metrics);
      List<Double> losses =
          metrics.stream().filter(m -> m.has("loss")).map(m -> m.get("loss").asDouble()).toList();
      Summary summary =
          new Summary(
              trainer.totalSteps(),
              start,
              tokensBefore + result.tokens(),
              result.seconds(),
              losses.get(0),
              losses.get(losses.size() - 1),
              perplexity[0],
              model.parameterCount(),
              folder.path());
      AtomicFiles.writeString(work.resolve(SUMMARY), summary.toJson().toPrettyString() + "\n");
      return summary;
    }
  }

  /** exp of the token-weighted mean loss over the windows (every position after the first). */
  static double perplexity(FullTuner tuner, Corpus corpus, int batchSize) {
    return Math.exp(BatchLoss.evaluate(tuner, corpus.windows(), batchSize));
  }

  private static void putValid(ObjectNode line, double perplexity) {
    line.put("valid_loss", Math.log(perplexity));
    line.put("valid_perplexity", perplexity);
  }

  private static void describe(ObjectNode node, Path file, Corpus corpus) {
    node.put("path", file.toString());
    node.put("sha256", sha256(file));
    node.put("documents", corpus.documents());
    node.put("tokens", corpus.tokens());
    node.put("windows", corpus.windows().size());
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new TuneException("cannot create %s: %s".formatted(dir, e.getMessage())).causedBy(e);
    }
  }

  private static void copyTokenizer(Path from, Path to) {
    try {
      for (String name : TOKENIZER_FILES) {
        if (Files.exists(from.resolve(name))) {
          Files.copy(from.resolve(name), to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new TuneException(
              "cannot copy the tokenizer from %s to %s: %s".formatted(from, to, e.getMessage()))
          .causedBy(e);
    }
  }

  static String sha256(Path file) {
    try (var in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new TuneException("cannot read %s: %s".formatted(file, e.getMessage())).causedBy(e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String lines(List<String> log) {
    return log.isEmpty() ? "" : String.join("\n", log) + "\n";
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new TuneException("cannot read %s: %s".formatted(file, e.getMessage())).causedBy(e);
    }
  }

  private static List<JsonNode> parse(List<String> log) {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : log) {
      try {
        nodes.add(JSON.readTree(line));
      } catch (IOException e) {
        throw new TuneException("corrupt metrics line: " + line).causedBy(e);
      }
    }
    return nodes;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a leftover temporary folder is hidden and harmless
    }
  }
}
