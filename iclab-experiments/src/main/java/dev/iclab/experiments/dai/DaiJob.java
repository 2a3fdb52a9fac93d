package dev.iclab.experiments.dai;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.analysis.DaiConfig;
import dev.iclab.analysis.DaiOutcome;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.PublishedLearningRates;
import dev.iclab.analysis.report.DaiReport;
import dev.iclab.data.Example;
import dev.iclab.experiments.RunEnvironment;
import dev.iclab.icl.run.SamplesFile;
import dev.iclab.lm.LanguageModel;
import dev.iclab.run.RunFolder;
import dev.iclab.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of Dai et al.'s comparison on a language model ({@code iclab dai}): a {@link RunFolder}
 * with run.json (config, environment, demonstrations), samples.jsonl (one line per query and
 * variant, appended, so a stopped run continues), metrics.json (it marks the run finished; a resume
 * of a finished run recomputes it from the samples) and the report.
 */
public final class DaiJob {
  public static final String METRICS = "metrics.json";
  public static final String SAMPLES = "samples.jsonl";
  private static final RunFolder.Kind FOLDER = RunFolder.Kind.finishedBy(METRICS);
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private DaiJob() {}

  /**
   * A resolved run.
   *
   * @param modelDir the model directory {@code config} names
   * @param command the command line, for the report
   */
  public record Spec(
      DaiConfig config, Path modelDir, Device device, Path out, boolean resume, String command) {}

  /** What a progress display hears: the run's name once known, then its phases. */
  public interface Listener extends DaiExperiment.Listener {
    default void started(String name) {}
  }

  /**
   * The fine-tuning rate: {@code ftLr} when given, else the published rate of the built-in task.
   *
   * @throws IclabException for a task without one
   */
  public static double learningRate(Double ftLr, String task) {
    return ftLr != null
        ? ftLr
        : PublishedLearningRates.forTask(task)
            .orElseThrow(
                () ->
                    new IclabException(
                        "no default fine-tuning rate for this task; give --ft-lr LR or --lr-search LR,..."));
  }

  /** Runs (or resumes) the comparison; returns what metrics.json holds. */
  public static DaiOutcome run(Spec spec, Listener listener) {
    DaiConfig config = spec.config();
    ObjectNode configJson = JSON.valueToTree(config);
    ObjectNode identity = JSON.createObjectNode();
    identity.set("config", configJson);
    Tensors.configureOffline();
    Path out = spec.out();
    try (RunFolder folder = RunFolder.open(out, spec.resume(), identity, FOLDER);
        LanguageModel lm = LanguageModel.open(spec.modelDir(), spec.device())) {
      DaiExperiment experiment = new DaiExperiment(config, lm);
      writeJson(out.resolve(RunFolder.RUN), runJson(configJson, experiment, spec.modelDir()));
      listener.started(experiment.task().name());
      double lr = config.ftLr();
      List<LrTrial> trials = List.of();
      if (!config.lrSearch().isEmpty()) {
        trials = experiment.searchLearningRate(config.lrSearch(), listener);
        lr = DaiExperiment.best(trials);
      }
      List<String> variants = new ArrayList<>(List.of(DaiExperiment.PRETRAINED));
      if (config.untrainedControl()) {
        variants.add(DaiExperiment.UNTRAINED);
      }
      Map<String, List<Double>> losses = new LinkedHashMap<>();
      try (SamplesFile samples = SamplesFile.open(out.resolve(SAMPLES), folder.resumed())) {
        for (String variant : variants) {
          losses.put(
              variant,
              experiment.run(
                  variant,
                  lr,
                  samples::contains,
                  line -> samples.append(List.of(line.toJson())),
                  listener));
        }
      }
      DaiOutcome outcome =
          new DaiOutcome(
              config,
              experiment.task().name(),
              experiment.layers(),
              experiment.queries().size(),
              experiment.leftOut(),
              lr,
              trials,
              DaiOutcome.variants(out.resolve(SAMPLES), experiment.layers(), losses),
              experiment.notes(),
              experiment.seconds());
      writeJson(out.resolve(METRICS), outcome.toJson());
      DaiReport.write(out, outcome, spec.command());
      return outcome;
    }
  }

  private static ObjectNode runJson(ObjectNode config, DaiExperiment experiment, Path modelDir) {
    ObjectNode run = JSON.createObjectNode();
    run.set("config", config);
    ObjectNode env = RunEnvironment.of(modelDir, List.of(experiment.train(), experiment.eval()));
    run.set("environment", env);
    ArrayNode demos = run.putArray("demonstrations");
    for (Example d : experiment.demos()) {
      demos.addObject().put("id", d.id()).put("label", d.label());
    }
    ArrayNode notes = run.putArray("notes");
    experiment.notes().forEach(notes::add);
    return run;
  }

  /** Writes {@code value} pretty-printed to a temporary file, then moves it onto {@code file}. */
  private static void writeJson(Path file, Object value) {
    try {
      Path temporary = file.toAbsolutePath().getParent().resolve(file.getFileName() + ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(temporary.toFile(), value);
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IclabException("cannot write %s: %s".formatted(file, e.getMessage()), e);
    }
  }
}
