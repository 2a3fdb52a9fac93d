package dev.iclab.emergence;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.emergence.data.SequenceSampler;
import dev.iclab.emergence.eval.Accuracies;
import dev.iclab.emergence.eval.Evaluator;
import dev.iclab.emergence.model.SequenceModel;
import dev.iclab.emergence.report.Metrics;
import dev.iclab.emergence.train.Checkpoint;
import dev.iclab.emergence.train.KeptWeights;
import dev.iclab.emergence.train.Trainer;
import dev.iclab.run.RunFolder;
import dev.iclab.tensor.Tensors;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs one emergence experiment into a folder: metrics.jsonl (one line per evaluation), run.json
 * (resolved config, seeds, versions, final numbers), checkpoint.bin/json (resumable), icl.png,
 * iwl.png, iwl_zero_shot.png and report.html; with {@code keepCheckpoints}, the weights of step 0
 * and of every evaluation step in weights/ ({@link KeptWeights}).
 */
public final class EmergenceRun {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  // Finished when run.json says "done"; a resume may add steps and start keeping checkpoints.
  private static final RunFolder.Kind FOLDER =
      new RunFolder.Kind(
          EmergenceRun::isDone, Set.of("config.train.steps", "config.train.keepCheckpoints"), true);

  /** Receives progress; called on the training thread. */
  public interface Listener {
    default void started(RunSpec spec, long firstStep) {}

    default void stepped(long step, double loss) {}

    default void evaluated(Metrics metrics) {}

    /** A step whose loss (or gradient) was not finite; its update was skipped. */
    default void skipped(long step, double loss) {}

    default void finished() {}
  }

  /** What a finished run produced. */
  public record Result(
      RunSpec spec, Path folder, List<Metrics> metrics, double wallSeconds, double stepsPerSecond) {
    public Metrics last() {
      return metrics.get(metrics.size() - 1);
    }
  }

  /** Seeds derived from the master seed, recorded in run.json. */
  public record Seeds(long data, long items, long init, long eval) {
    static Seeds of(long seed) {
      return new Seeds(seed * 1_000 + 1, seed * 1_000 + 2, seed * 1_000 + 3, seed * 1_000 + 4);
    }
  }

  /**
   * Non-finite steps in a row after which a run counts as diverged. One such step (seen rarely, in
   * the first steps of a run, and not reproducible) is skipped; weights that really blew up give a
   * non-finite loss on every following batch.
   */
  static final int MAX_NON_FINITE_IN_A_ROW = 5;

  private EmergenceRun() {}

  /**
   * Sets PyTorch's intra-op threads until the returned setting is closed. One thread is the default
   * of the commands: on a shared 2-core machine, OpenMP threads that spin at barriers while other
   * processes hold the cores made steps up to 10x slower, while a quiet machine gains only 1.4x
   * from two.
   *
   * @throws IclabException for fewer than 1 thread
   */
  public static Tensors.ThreadSetting useThreads(int threads) {
    if (threads < 1) {
      throw new IclabException("--threads must be >= 1, got " + threads);
    }
    return Tensors.useThreads(threads);
  }

  /**
   * Trains and evaluates one run.
   *
   * @param resume continue from the folder's checkpoint (it must exist)
   * @param versions software versions to record in run.json
   * @throws IclabException when the folder already holds a run and resume is off, or on I/O errors
   */
  public static Result run(
      RunSpec spec, Path folder, boolean resume, Map<String, String> versions, Listener listener) {
    ObjectNode identity = JSON.createObjectNode();
    identity.set("config", JSON.valueToTree(spec));
    try (RunFolder run = RunFolder.open(folder, resume, identity, FOLDER)) {
      return run(spec, run, versions, listener);
    }
  }

  private static Result run(
      RunSpec spec, RunFolder run, Map<String, String> versions, Listener listener) {
    Path folder = run.path();
    Path metricsFile = folder.resolve("metrics.jsonl");
    RunSetup setup = RunSetup.of(spec);
    Seeds seeds = setup.seeds();
    SequenceSampler sampler = setup.sampler();
    Evaluator evaluator = setup.evaluator();
    long wallStart = System.nanoTime();
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(setup.modelConfig(), root, seeds.init());
        Trainer trainer = new Trainer(model, sampler, setup.encoder(), spec.train(), root)) {
      List<Metrics> metrics = new ArrayList<>();
      long done = 0;
      if (run.resumed()) {
        // Without a checkpoint (interrupted before the first one) the run starts again at step 1.
        if (Checkpoint.exists(folder)) {
          done =
              Checkpoint.load(
                  folder, model.manager(), model.parameters().arrays(), trainer.optimizerState());
        }
        metrics.addAll(readMetrics(metricsFile, done));
      }
      writeMetrics(metricsFile, metrics);
      boolean keep = spec.train().keepCheckpoints();
      if (keep && done == 0) {
        KeptWeights.save(folder, 0, model.parameters()); // the untrained model
      }
      RunRecord runJson = new RunRecord(folder, spec, seeds, versions, model.parameters().count());
      runJson.write("running", null, 0, 0);
      listener.started(spec, done + 1);
      double trainSeconds =
          metrics.isEmpty() ? 0 : metrics.get(metrics.size() - 1).elapsedSeconds();
      double lossSum = 0;
      int lossCount = 0;
      int skipped = 0;
      int nonFiniteInARow = 0;
      int steps = spec.train().steps();
      try (BufferedWriter out =
          Files.newBufferedWriter(
              metricsFile,
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.APPEND)) {
        for (long step = done + 1; step <= steps; step++) {
          long t0 = System.nanoTime();
          float loss = trainer.step(step);
          trainSeconds += (System.nanoTime() - t0) / 1e9;
          if (Float.isFinite(loss)) {
            nonFiniteInARow = 0;
            lossSum += loss;
            lossCount++;
          } else {
            // The trainer skipped this step's update; only a run of them means divergence.
            skipped++;
            nonFiniteInARow++;
            listener.skipped(step, loss);
            if (nonFiniteInARow >= MAX_NON_FINITE_IN_A_ROW) {
              runJson.write("diverged", null, 0, skipped);
              throw new IclabException(
                  "run %s diverged: training loss %s for %d steps in a row up to step %d; lower --lr (now %s) or raise --warmup (now %d) or --clip, then restart, or --resume from the last checkpoint in %s"
                      .formatted(
                          spec.name(),
                          loss,
                          nonFiniteInARow,
                          step,
                          spec.train().learningRate(),
                          spec.train().warmupSteps(),
                          folder));
            }
          }
          listener.stepped(step, loss);
          if (step % spec.train().evalEvery() == 0 || step == steps) {
            Accuracies acc = evaluator.evaluate(model, root);
            Metrics m =
                new Metrics(
                    step,
                    lossCount == 0 ? Double.NaN : lossSum / lossCount,
                    acc.icl(),
                    acc.iclAllLabels(),
                    acc.iclCount(),
                    acc.iwl(),
                    acc.iwlZeroShot(),
                    acc.iwlCount(),
                    acc.iwlChance(),
                    trainSeconds);
            lossSum = 0;
            lossCount = 0;
            metrics.add(m);
            out.write(
                JSON.copy().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
            out.newLine();
            out.flush();
            if (keep) {
              KeptWeights.save(folder, step, model.parameters());
            }
            listener.evaluated(m);
          }
          int every = spec.train().checkpointEvery();
          if ((every > 0 && step % every == 0) || step == steps) {
            Checkpoint.save(folder, step, model.parameters().arrays(), trainer.optimizerState());
          }
        }
      } catch (IOException e) {
        throw new IclabException("cannot write %s: %s".formatted(metricsFile, e.getMessage()), e);
      }
      listener.finished();
      double wall = (System.nanoTime() - wallStart) / 1e9;
      long trained = steps - done;
      double stepsPerSecond =
          trained == 0
              ? Double.NaN
              : trained / Math.max(1e-9, trainSeconds - firstElapsed(metrics, done));
      Result result = new Result(spec, folder, List.copyOf(metrics), wall, stepsPerSecond);
      Sweep.report(folder, spec.name(), List.of(result));
      runJson.write(
          "done", result.metrics().isEmpty() ? null : result.last(), stepsPerSecond, skipped);
      return result;
    }
  }

  private static boolean isDone(Path folder) {
    try {
      return JSON.readTree(folder.resolve("run.json").toFile())
          .path("status")
          .asText()
          .equals("done");
    } catch (IOException e) {
      return false;
    }
  }

  private static double firstElapsed(List<Metrics> metrics, long done) {
    for (Metrics m : metrics) {
      if (m.step() == done) {
        return m.elapsedSeconds();
      }
    }
    return 0;
  }

  /** What run.json records of a run; its status changes as the run goes. */
  private record RunRecord(
      Path folder, RunSpec spec, Seeds seeds, Map<String, String> versions, long parameters) {
    void write(String status, Metrics last, double stepsPerSecond, int skippedSteps) {
      Map<String, Object> run = new LinkedHashMap<>();
      run.put("status", status);
      run.put("config", spec);
      run.put("seeds", seeds);
      run.put("parameters", parameters);
      run.put("versions", versions);
      if (last != null) {
        run.put("final", last);
        run.put("train_steps_per_s", stepsPerSecond);
      }
      // Steps whose update was skipped for a non-finite loss (counted since this start or resume).
      run.put("skipped_steps", skippedSteps);
      try {
        AtomicFiles.writeString(folder.resolve("run.json"), JSON.writeValueAsString(run) + "\n");
      } catch (IOException e) {
        throw new IllegalStateException("run.json not serialisable", e);
      }
    }
  }

  /** Reads metrics.jsonl, keeping evaluations up to {@code maxStep}. */
  public static List<Metrics> readMetrics(Path file, long maxStep) {
    List<Metrics> metrics = new ArrayList<>();
    if (!Files.exists(file)) {
      return metrics;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          Metrics m = JSON.readValue(line, Metrics.class);
          if (m.step() <= maxStep) {
            metrics.add(m);
          }
        }
      }
    } catch (IOException e) {
      throw new IclabException(
          "cannot read %s: %s; remove the folder and restart".formatted(file, e.getMessage()), e);
    }
    return metrics;
  }

  private static void writeMetrics(Path file, List<Metrics> metrics) {
    StringBuilder text = new StringBuilder();
    try {
      for (Metrics m : metrics) {
        text.append(JSON.copy().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m))
            .append('\n');
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    AtomicFiles.writeString(file, text.toString());
  }
}
