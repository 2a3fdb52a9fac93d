package dev.iclab.cli;

import static com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.iclab.IclabException;
import dev.iclab.icl.Calibration;
import dev.iclab.icl.Order;
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
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code iclab eval}: in-context learning experiments over shots x seeds x selection x order x
 * labels, scored and calibrated in every listed way; writes samples.jsonl, summary.json/.md and
 * run.json to {@code --out}. Settings come from flags, or a YAML/JSON {@code --config} whose keys
 * are the flags' long names with underscores (flags override it).
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Evaluate in-context learning on a classification task: every combination of --shots,"
            + " --seeds, --select, --order and --labels, reported under every --scoring and"
            + " --calibrate. Lists are comma separated.")
public final class EvalCommand implements Callable<Integer> {
  private static final Set<String> INTEGER_KEYS = Set.of("limit", "eval_cap", "batch_size");

  private static final Set<String> CONFIG_KEYS =
      Set.of(
          "model",
          "device",
          "task",
          "task_file",
          "data_dir",
          "shots",
          "seeds",
          "select",
          "order",
          "labels",
          "scoring",
          "calibrate",
          "limit",
          "eval_cap",
          "skip_bad_rows",
          "batch_size",
          "out");

  @Mixin VerbosityMixin verbosity;

  @Option(
      names = {"-m", "--model"},
      paramLabel = "DIR|ID",
      description = "Model directory or hub id in the local cache (or `model:` in --config).")
  String model;

  @Option(names = "--device", paramLabel = "cpu|gpu[:N]", description = "Default: cpu.")
  String device;

  @Option(names = "--download", description = "Fetch a missing hub id into the cache first.")
  boolean download;

  @Option(
      names = "--adapter",
      paramLabel = "DIR",
      description =
          "A saved adapter (iclab tune: LoRA, QLoRA, bottleneck adapter) applied to the model.")
  Path adapter;

  @Option(names = "--config", paramLabel = "FILE", description = "exp.yaml or exp.json.")
  Path configFile;

  @Option(
      names = "--task",
      description = "Built-in task: sst2, sst5, mr, subj, agnews, cb, rte, trec.")
  String task;

  @Option(names = "--task-file", paramLabel = "FILE", description = "A user task (YAML/JSON).")
  String taskFile;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where built-in tasks' data are (default: ../shared/data).")
  String dataDir;

  @Option(names = "--shots", paramLabel = "K,...", description = "Default: 0,1,4.")
  String shots;

  @Option(names = "--seeds", paramLabel = "S,...", description = "Default: 1,2,3.")
  String seeds;

  @Option(
      names = "--select",
      paramLabel = "M,...",
      description =
          "random (default), balanced, fixed:ID,ID,..., bm25, knn (KATE, all-MiniLM-L6-v2).")
  String select;

  @Option(
      names = "--order",
      paramLabel = "O,...",
      description =
          "given (default), random, similarity (MiniLM cosine, most similar last), permutations"
              + " (k <= 5), globale, locale (Lu et al.:"
              + " the best 4 of up to 24 orders by entropy on a probing set sampled from the model).")
  String order;

  @Option(
      names = "--labels",
      paramLabel = "L,...",
      description = "gold (default), random, correct:P, none (inputs only), labels-only.")
  String labels;

  @Option(
      names = "--scoring",
      paramLabel = "S,...",
      description = "sum (default), mean, first-token.")
  String scoring;

  @Option(names = "--calibrate", paramLabel = "C,...", description = "none (default), contextual.")
  String calibrate;

  @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N queries.")
  Integer limit;

  @Option(
      names = "--eval-cap",
      paramLabel = "N",
      description = "The evaluation set is shuffled with seed 1 and cut to N (default 2000).")
  Integer evalCap;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      description =
          "Queries scored together when they share demonstrations (default "
              + EvalConfig.DEFAULT_BATCH_SIZE
              + "; 1: one at a time).")
  Integer batchSize;

  @Option(names = "--out", paramLabel = "DIR", description = "Run folder (or `out:` in --config).")
  Path out;

  @Option(names = "--resume", description = "Continue the run in --out where it stopped.")
  boolean resume;

  @Option(names = "--skip-bad-rows", description = "Leave out bad dataset rows (counted).")
  Boolean skipBadRows;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    JsonNode file = readConfig();
    String modelName = pick(model, file, "model", null);
    if (modelName == null) {
      throw new IclabException("no model: pass --model DIR or set `model:` in --config");
    }
    String outName = out != null ? out.toString() : pick(null, file, "out", null);
    if (outName == null) {
      throw new IclabException("no output folder: pass --out DIR or set `out:` in --config");
    }
    Path modelDir = ModelResolution.resolve(modelName, download);
    EvalConfig config =
        new EvalConfig(
            modelDir.normalize().toString(),
            pick(task, file, "task", null),
            pick(taskFile, file, "task_file", null),
            Path.of(pick(dataDir, file, "data_dir", "../shared/data")).normalize().toString(),
            ints(pick(shots, file, "shots", "0,1,4"), "shots", Integer::parseInt),
            ints(pick(seeds, file, "seeds", "1,2,3"), "seeds", Long::parseLong),
            selectors(pick(select, file, "select", "random")),
            split(pick(order, file, "order", "given")).stream().map(Order::parse).toList(),
            split(pick(labels, file, "labels", "gold")),
            split(pick(scoring, file, "scoring", "sum")),
            split(pick(calibrate, file, "calibrate", "none")).stream()
                .map(Calibration::parse)
                .toList(),
            limit != null ? limit : intOrNull(file, "limit"),
            evalCap != null ? evalCap : file.path("eval_cap").asInt(2000),
            1,
            skipBadRows != null ? skipBadRows : file.path("skip_bad_rows").asBoolean(false),
            batchSize != null
                ? batchSize
                : file.path("batch_size").asInt(EvalConfig.DEFAULT_BATCH_SIZE));
    ExperimentPlan plan = ExperimentPlan.of(config);
    JsonNode adapterRecord = adapter == null ? null : adapterRecord();
    Tensors.configureOffline();
    try (RunDirectory dir = RunDirectory.open(Path.of(outName), config, adapterRecord, resume);
        LanguageModel lm =
            LanguageModel.open(modelDir, Tensors.device(pick(device, file, "device", "cpu")))) {
      Tuner tuner = adapter == null ? null : attachAdapter(lm);
      ExperimentRunner runner =
          tuner == null || tuner.virtualTokens() == 0
              ? new ExperimentRunner(plan, lm)
              : new ExperimentRunner(plan, lm, tuner::forwardOptions, tuner.virtualTokens());
      runner.fit().note().ifPresent(note -> spec.commandLine().getErr().println("note: " + note));
      dir.start(config, adapterRecord, environment(runner.fit(), modelDir));
      try (SamplesFile samples = SamplesFile.open(dir.samples(), dir.resumed());
          ProgressBar bar =
              ProgressBars.onStderr("eval " + plan.task().name(), runner.totalQueries(), " q")) {
        runner.run(samples, bar::stepBy);
      }
      List<Summary.Row> rows = dir.summarize(plan.task().name(), plan.task().labelWords());
      PrintWriter printer = spec.commandLine().getOut();
      printer.print(Summary.table(plan.task().name(), rows));
      runner.fit().note().ifPresent(note -> printer.println("note: " + note));
      printer.printf(Locale.ROOT, "%nresults in %s%n", dir.path());
      if (tuner != null) {
        tuner.close();
      }
      printer.flush();
    }
    return 0;
  }

  /**
   * Attaches the adapter: LoRA, QLoRA and bottleneck adapters change the model's projections;
   * prompt and prefix tuning put virtual tokens before every input, which the runner then passes to
   * every forward ({@link ExperimentRunner}).
   */
  private Tuner attachAdapter(LanguageModel lm) {
    Tuner tuner = TunerRegistry.standard().loadAdapter(lm.model(), adapter);
    tuner.setTraining(false);
    return tuner;
  }

  /** The adapter's path (as given) and hashes; a resumed run must use the same adapter. */
  private ObjectNode adapterRecord() {
    ObjectNode node = Json.object();
    node.put("path", adapter.toString());
    node.set("sha256", RunEnvironment.safetensorsSha256(adapter));
    return node;
  }

  private JsonNode readConfig() {
    if (configFile == null) {
      return new ObjectMapper().createObjectNode();
    }
    ObjectMapper mapper =
        configFile.toString().endsWith(".json")
            ? new ObjectMapper()
            : new ObjectMapper(new YAMLFactory());
    JsonNode node;
    try {
      node = mapper.enable(FAIL_ON_TRAILING_TOKENS).readTree(Files.readString(configFile));
    } catch (IOException e) {
      throw new IclabException(
          "--config %s cannot be read or does not parse: %s"
              .formatted(configFile, e.getMessage().lines().findFirst().orElse("")));
    }
    if (node == null || !node.isObject()) {
      throw new IclabException(
          "--config %s must be a mapping of keys such as task, shots, seeds".formatted(configFile));
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!CONFIG_KEYS.contains(key)) {
        throw new IclabException(
            "--config %s: unknown key '%s'; known keys: %s"
                .formatted(
                    configFile, key, String.join(", ", CONFIG_KEYS.stream().sorted().toList())));
      }
      checkType(key, node.get(key));
    }
    return node;
  }

  /**
   * A value of the wrong type is named as such here, rather than read as 0, false or an empty list
   * and reported later as some other error.
   */
  private void checkType(String key, JsonNode value) {
    String expected = null;
    if (value.isNull()) {
      return;
    } else if (INTEGER_KEYS.contains(key)) {
      expected = value.isIntegralNumber() && value.canConvertToInt() ? null : "an integer";
    } else if (key.equals("skip_bad_rows")) {
      expected = value.isBoolean() ? null : "true or false";
    } else if (value.isContainerNode()) {
      boolean scalarList = value.isArray();
      for (JsonNode element : value) {
        scalarList &= element.isValueNode();
      }
      expected = scalarList ? null : "a value or a list of values";
    }
    if (expected != null) {
      throw new IclabException(
          "--config %s: '%s' is %s, expected %s".formatted(configFile, key, value, expected));
    }
  }

  /** The flag if given, else the config file's value (a list becomes "a,b"), else the default. */
  private static String pick(String flag, JsonNode file, String key, String fallback) {
    if (flag != null) {
      return flag;
    }
    JsonNode node = file.get(key);
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (node.isArray()) {
      List<String> values = new ArrayList<>();
      node.forEach(v -> values.add(v.asText()));
      return String.join(",", values);
    }
    return node.asText();
  }

  private static Integer intOrNull(JsonNode file, String key) {
    JsonNode node = file.get(key);
    return node == null || node.isNull() ? null : node.asInt();
  }

  private static List<String> split(String list) {
    return Stream.of(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** Splits on commas, keeping the ids of {@code fixed:ID,ID,...} together. */
  static List<String> selectors(String list) {
    List<String> out = new ArrayList<>();
    for (String token : split(list)) {
      boolean known =
          token.equals("random")
              || token.equals("balanced")
              || token.equals("bm25")
              || token.equals("knn")
              || token.startsWith("fixed:");
      if (!known && !out.isEmpty() && out.get(out.size() - 1).startsWith("fixed:")) {
        out.set(out.size() - 1, out.get(out.size() - 1) + "," + token);
      } else {
        out.add(token);
      }
    }
    return out;
  }

  private static <T> List<T> ints(String list, String flag, Function<String, T> parse) {
    List<T> values = new ArrayList<>();
    for (String s : split(list)) {
      try {
        values.add(parse.apply(s));
      } catch (NumberFormatException e) {
        throw new IclabException(
            "--%s: '%s' is not an integer; give a comma-separated list such as 1,2,3"
                .formatted(flag, s));
      }
    }
    return values;
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
