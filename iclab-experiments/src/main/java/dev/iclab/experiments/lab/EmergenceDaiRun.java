package dev.iclab.experiments.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.SampleLine;
import dev.iclab.analysis.lab.CheckpointMetrics;
import dev.iclab.analysis.lab.EmergenceDaiConfig;
import dev.iclab.analysis.report.DaiCurvesReport;
import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.report.Metrics;
import dev.iclab.experiments.dai.DaiExperiment;
import dev.iclab.run.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link EmergenceDai} into an output folder, one checkpoint at a time: each checkpoint's
 * sample lines go to {@code steps/step-NNNNNN.jsonl} and its learning rate, search and timing to
 * {@code steps/step-NNNNNN.json}, written atomically in that order, so a checkpoint is done when
 * its JSON is there and a resume (after any interruption) redoes only unfinished checkpoints. The
 * results are then built from those files alone: {@code samples.jsonl} (every episode of every
 * checkpoint), {@code metrics.jsonl} (one line per checkpoint), {@code report.md}/{@code .html}
 * with its curves, and {@code metrics.json} last (it marks the run finished).
 */
public final class EmergenceDaiRun {
  public static final String METRICS = "metrics.json";
  public static final String SAMPLES = "samples.jsonl";
  static final String STEPS = "steps";
  private static final RunFolder.Kind FOLDER = RunFolder.Kind.finishedBy(METRICS);
  private static final ObjectMapper JSON = new ObjectMapper();

  private EmergenceDaiRun() {}

  /**
   * Analyses the checkpoints into {@code out}.
   *
   * @param versions software versions for run.json
   * @param command the command line, for the report
   * @return each checkpoint's metrics, ascending by step
   */
  public static List<CheckpointMetrics> run(
      EmergenceDaiConfig config,
      Path out,
      boolean resume,
      Map<String, String> versions,
      String command,
      DaiExperiment.Listener listener) {
    ObjectNode configJson = JSON.valueToTree(config);
    ObjectNode identity = JSON.createObjectNode();
    identity.set("config", configJson);
    EmergenceDai dai = new EmergenceDai(config);
    try (RunFolder folder = RunFolder.open(out, resume, identity, FOLDER)) {
      folder.writeJson(RunFolder.RUN, runJson(configJson, dai, versions));
      Path steps = out.resolve(STEPS);
      Files.createDirectories(steps);
      Map<String, Double> seconds = new LinkedHashMap<>();
      List<CheckpointMetrics> checkpoints = new ArrayList<>();
      Map<Long, Double> lab = labIcl(Path.of(config.run()));
      for (long step : dai.steps()) {
        if (!Files.exists(stepJson(steps, step))) {
          writeStep(steps, dai.analyse(step, listener));
        }
        EmergenceDai.CheckpointResult result = readStep(steps, step);
        // the time each checkpoint took when it was computed, whichever run computed it
        result.seconds().forEach((k, v) -> seconds.merge(k, v, Double::sum));
        checkpoints.add(
            CheckpointMetrics.of(
                result.step(),
                result.ftLr(),
                result.lrSearch(),
                result.lines(),
                result.ftLossMean(),
                dai.layers(),
                lab.getOrDefault(step, Double.NaN)));
      }
      folder.finish(
          temp -> {
            writeSamples(temp.resolve(SAMPLES), steps, dai.steps());
            StringBuilder lines = new StringBuilder();
            checkpoints.forEach(c -> lines.append(c.toJson().toString()).append('\n'));
            AtomicFiles.writeString(temp.resolve("metrics.jsonl"), lines.toString());
            DaiCurvesReport.write(
                temp, title(dai, config), checkpoints, notes(dai, config), command);
          });
      folder.writeJson(METRICS, metricsJson(config, dai, checkpoints, seconds));
      return checkpoints;
    } catch (IOException e) {
      throw new IclabException("cannot write into %s: %s".formatted(out, e.getMessage()), e);
    }
  }

  private static String title(EmergenceDai dai, EmergenceDaiConfig config) {
    return "Is ICL implicit fine-tuning? Dai et al.'s comparison across training of %s (%s, p_bursty %s)"
        .formatted(config.run(), dai.spec().arch().flag(), dai.spec().data().pBursty());
  }

  private static List<String> notes(EmergenceDai dai, EmergenceDaiConfig config) {
    var spec = dai.spec();
    return List.of(
        "Episodes: the first %d of the run's own ICL evaluation set (2-way %d-shot over holdout classes, labels re-assigned to 0 and 1; chance 50%%), the same at every checkpoint and in every setting. ZSL: the query after a blank context (the lab's 0-shot format). ICL: the context, then the query. FT: a copy whose attention key/value projections (weights and biases, every layer) alone are trained with SGD, batch 1, one epoch over the context's %d pairs in order, each as its own zero-shot query with its label as the target; then the query zero-shot."
            .formatted(
                config.episodes(), spec.data().contextPairs() / 2, spec.data().contextPairs()),
        config.lrSearch().isEmpty()
            ? "FT learning rate: %s at every checkpoint.".formatted(config.ftLr())
            : "FT learning rate: searched at every checkpoint over %s on %d other holdout episodes (best FT accuracy; ties to the lower mean loss of the gold label)."
                .formatted(config.lrSearch(), config.lrSearchDev()),
        "Recorded position: the query token. Dai et al. append the first option's label word and record at it; the lab's model has no position after the query (its positional embedding ends there) and answers with a label head at the query, so the query is where its answer is computed.",
        "Label scores: log-softmax over all %d labels at the query, for labels 0 and 1; the prediction is the higher (the lab's ICL accuracy uses the same argmax)."
            .formatted(spec.data().labels()),
        "SimAM is undefined here: Dai et al. compare attention maps over the query's own tokens, and the lab's query is one token (the cosine of one-element maps is only the product of two signs). SimAM and SimAM_delta are therefore reported as null.",
        "Baselines of SimAOU: a random vector (uniform in [0, 1)), the mismatched pairing (this episode's ICL update against the FT update of the previous episode), and step 0 (the untrained model), drawn across the curve. Rec2FTP's chance level: its expected value with ICL's predictions permuted across episodes.",
        "Token format %s, %d layers, %d heads, width %d, %d training classes, %d holdout classes."
            .formatted(
                spec.format().name().toLowerCase(java.util.Locale.ROOT),
                spec.layers(),
                spec.heads(),
                spec.width(),
                spec.data().classes(),
                spec.data().holdoutClasses()));
  }

  private static ObjectNode runJson(
      ObjectNode config, EmergenceDai dai, Map<String, String> versions) {
    ObjectNode run = JSON.createObjectNode();
    run.set("config", config);
    run.set("emergence_run", JSON.valueToTree(dai.spec()));
    ArrayNode steps = run.putArray("checkpoints");
    dai.steps().forEach(steps::add);
    run.set("versions", JSON.valueToTree(versions));
    return run;
  }

  private static ObjectNode metricsJson(
      EmergenceDaiConfig config,
      EmergenceDai dai,
      List<CheckpointMetrics> checkpoints,
      Map<String, Double> seconds) {
    ObjectNode root = JSON.createObjectNode();
    root.put("run", config.run());
    root.put("arch", dai.spec().arch().flag());
    root.put("p_bursty", dai.spec().data().pBursty());
    root.put("layers", dai.layers());
    root.put("episodes", config.episodes());
    root.put("recorded_position", "query");
    root.put(
        "simam_undefined",
        "the query is one token: Dai et al.'s SimAM compares maps over the query's own tokens");
    long crossing = CheckpointMetrics.iclCrossing(checkpoints);
    if (crossing < 0) {
      root.putNull("icl_crosses_0_9_at_step");
    } else {
      root.put("icl_crosses_0_9_at_step", crossing);
    }
    // The untrained model's SimAOU, the third baseline, when step 0 was analysed.
    checkpoints.stream()
        .filter(c -> c.step() == 0)
        .findFirst()
        .ifPresent(
            c -> root.set("step0_baseline", c.toJson().retain("simaou", "simaou_per_layer")));
    ArrayNode array = root.putArray("checkpoints");
    checkpoints.forEach(c -> array.add(c.toJson()));
    ObjectNode time = root.putObject("seconds");
    seconds.forEach(time::put);
    return root;
  }

  /** The run's own ICL accuracy per evaluated step. */
  private static Map<Long, Double> labIcl(Path runFolder) {
    Map<Long, Double> acc = new HashMap<>();
    for (Metrics m : EmergenceRun.readMetrics(runFolder.resolve("metrics.jsonl"), Long.MAX_VALUE)) {
      acc.put(m.step(), m.iclAcc());
    }
    return acc;
  }

  private static Path stepJson(Path steps, long step) {
    return steps.resolve("step-%06d.json".formatted(step));
  }

  private static Path stepLines(Path steps, long step) {
    return steps.resolve("step-%06d.jsonl".formatted(step));
  }

  private static void writeStep(Path steps, EmergenceDai.CheckpointResult r) {
    StringBuilder text = new StringBuilder();
    for (SampleLine line : r.lines()) {
      ObjectNode node = JSON.createObjectNode();
      node.put("step", r.step());
      node.setAll(line.toJson());
      node.put("ft_lr", r.ftLr());
      text.append(node).append('\n');
    }
    AtomicFiles.writeString(stepLines(steps, r.step()), text.toString());
    ObjectNode meta = JSON.createObjectNode();
    meta.put("step", r.step());
    meta.put("ft_lr", r.ftLr());
    meta.put("ft_loss_mean", r.ftLossMean());
    meta.put("lines", r.lines().size());
    meta.set("lr_search", JSON.valueToTree(r.lrSearch()));
    meta.set("seconds", JSON.valueToTree(r.seconds()));
    AtomicFiles.writeString(stepJson(steps, r.step()), meta.toString());
  }

  private static EmergenceDai.CheckpointResult readStep(Path steps, long step) {
    try {
      JsonNode meta = JSON.readTree(stepJson(steps, step).toFile());
      List<SampleLine> lines = new ArrayList<>();
      for (String text : Files.readAllLines(stepLines(steps, step))) {
        if (!text.isBlank()) {
          lines.add(SampleLine.fromJson(JSON.readTree(text)));
        }
      }
      if (lines.size() != meta.path("lines").asInt()) {
        throw new IclabException(
            "%s holds %d lines, %s says %d; remove both and rerun with --resume"
                .formatted(
                    stepLines(steps, step),
                    lines.size(),
                    stepJson(steps, step),
                    meta.path("lines").asInt()));
      }
      List<LrTrial> trials = new ArrayList<>();
      for (JsonNode t : meta.path("lr_search")) {
        trials.add(
            new LrTrial(
                t.path("lr").asDouble(),
                number(t.path("devAccuracy")),
                number(t.path("devLoss")),
                t.path("failure").isTextual() ? t.path("failure").asText() : null));
      }
      return new EmergenceDai.CheckpointResult(
          step,
          meta.path("ft_lr").asDouble(),
          trials,
          lines,
          meta.path("ft_loss_mean").asDouble(),
          JSON.convertValue(
              meta.path("seconds"),
              new com.fasterxml.jackson.core.type.TypeReference<Map<String, Double>>() {}));
    } catch (IOException e) {
      throw new IclabException(
          "cannot read the results of step %d in %s: %s".formatted(step, steps, e.getMessage()), e);
    }
  }

  private static double number(JsonNode node) {
    return node.isNumber() ? node.asDouble() : Double.NaN;
  }

  private static void writeSamples(Path file, Path steps, List<Long> chosen) {
    StringBuilder all = new StringBuilder();
    try {
      for (long step : chosen) {
        all.append(Files.readString(stepLines(steps, step)));
      }
    } catch (IOException e) {
      throw new IclabException("cannot read %s: %s".formatted(steps, e.getMessage()), e);
    }
    AtomicFiles.writeString(file, all.toString());
  }
}
