package dev.iclab.experiments.eval;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.experiments.RunEnvironment;
import dev.iclab.experiments.eval.report.EvalReport;
import dev.iclab.icl.run.EvalConfig;
import dev.iclab.icl.run.ExperimentPlan;
import dev.iclab.icl.run.ExperimentRunner;
import dev.iclab.icl.run.QueryFit;
import dev.iclab.icl.run.RunDirectory;
import dev.iclab.icl.run.SamplesFile;
import dev.iclab.icl.run.Summary;
import dev.iclab.lm.LanguageModel;
import dev.iclab.tensor.Tensors;
import dev.iclab.tune.Tuner;
import dev.iclab.tune.TunerRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One evaluation run ({@code iclab eval}): plans it (bad input fails before anything is written),
 * opens the model with the adapter if any, evaluates every group into samples.jsonl and writes
 * run.json, summary.json, summary.md and report.html with its plots ({@link EvalReport}) into a
 * {@link RunDirectory}.
 */
public final class EvalJob {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EvalJob() {}

  /**
   * A resolved run.
   *
   * @param modelDir the model directory {@code config} names
   * @param adapter a saved adapter applied to the model, or null
   */
  public record Spec(
      EvalConfig config, Path modelDir, Device device, Path adapter, Path out, boolean resume) {}

  /** What a run reports while it goes. */
  public interface Listener {
    /** A remark, one line. */
    void note(String line);

    /** Evaluation of {@code task} starts: {@code total} (group, query) evaluations. */
    void started(String task, long total);

    /** {@code queries} more evaluations are done (or were found done). */
    void progressed(int queries);
  }

  /**
   * The summary of a finished run.
   *
   * @param note the queries left out for their length, if any
   */
  public record Result(String task, List<Summary.Row> rows, Optional<String> note, Path out) {
    /** The summary table as summary.md holds it. */
    public String table() {
      return Summary.table(task, rows);
    }
  }

  /** Runs (or resumes) the evaluation. */
  public static Result run(Spec spec, Listener listener) {
    EvalConfig config = spec.config();
    ExperimentPlan plan = ExperimentPlan.of(config);
    JsonNode adapterRecord = spec.adapter() == null ? null : adapterRecord(spec.adapter());
    Tensors.configureOffline();
    try (RunDirectory dir = RunDirectory.open(spec.out(), config, adapterRecord, spec.resume());
        LanguageModel lm = LanguageModel.open(spec.modelDir(), spec.device());
        Tuner tuner = spec.adapter() == null ? null : attachAdapter(lm, spec.adapter())) {
      ExperimentRunner runner =
          tuner == null || tuner.virtualTokens() == 0
              ? new ExperimentRunner(plan, lm)
              : new ExperimentRunner(plan, lm, tuner::forwardOptions, tuner.virtualTokens());
      Optional<String> note = runner.fit().note();
      note.ifPresent(n -> listener.note("note: " + n));
      dir.start(config, adapterRecord, environment(runner.fit(), spec.modelDir()));
      listener.started(plan.task().name(), runner.totalQueries());
      try (SamplesFile samples = SamplesFile.open(dir.samples(), dir.resumed())) {
        runner.run(samples, listener::progressed);
      }
      List<Summary.Row> rows = dir.summarize(plan.task().name(), plan.task().labelWords());
      EvalReport.write(
          dir.path(),
          plan.task().name(),
          Summary.runs(dir.samples(), plan.task().labelWords()),
          rows);
      return new Result(plan.task().name(), rows, note, dir.path());
    }
  }

  /**
   * Attaches the adapter: LoRA, QLoRA and bottleneck adapters change the model's projections;
   * prompt and prefix tuning put virtual tokens before every input, which the runner then passes to
   * every forward ({@link ExperimentRunner}).
   */
  private static Tuner attachAdapter(LanguageModel lm, Path adapter) {
    Tuner tuner = TunerRegistry.standard().loadAdapter(lm.model(), adapter);
    tuner.setTraining(false);
    return tuner;
  }

  /** The adapter's path (as given) and hashes; a resumed run must use the same adapter. */
  private static ObjectNode adapterRecord(Path adapter) {
    ObjectNode node = JSON.createObjectNode();
    node.put("path", adapter.toString());
    node.set("sha256", RunEnvironment.safetensorsSha256(adapter));
    return node;
  }

  private static ObjectNode environment(QueryFit fit, Path modelDir) {
    ExperimentPlan plan = fit.plan();
    ObjectNode env = RunEnvironment.of(modelDir, List.of(plan.train(), plan.eval()));
    env.putPOJO("seeds", plan.config().seeds());
    env.put("queries", plan.queries().size());
    env.putPOJO("queries_left_out_too_long", fit.leftOut());
    return env;
  }
}
