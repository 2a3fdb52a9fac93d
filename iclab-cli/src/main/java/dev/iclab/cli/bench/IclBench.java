package dev.iclab.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.cli.CliCommand;
import dev.iclab.cli.Json;
import dev.iclab.cli.OptionDefaults;
import dev.iclab.data.Dataset;
import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.data.TaskRegistry;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.icl.Demo;
import dev.iclab.icl.DemoSelector;
import dev.iclab.icl.IclEvaluator;
import dev.iclab.icl.Prompt;
import dev.iclab.icl.embed.EmbeddingCache;
import dev.iclab.icl.embed.MiniLmEncoder;
import dev.iclab.icl.run.EvalConfig;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.cache.CachedPrefix;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.lm.score.PackedScorer;
import dev.iclab.lm.score.ScoreRequest;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tensor.Tensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab bench icl}: queries/s of prefix-reused vs naive full-prompt scoring with 16 shared
 * SST-2 demonstrations and 2 label words on a GPT-2-small-shaped random model (GPT-2 tokenizer),
 * and kNN selection: time to embed and index 10,000 training inputs and per-query retrieval time;
 * and query batching ({@link IclEvaluator#scoreBatch}) against one query at a time, with the 16
 * shared demonstrations and zero-shot. {@code scoring.eval_default_speedup} is naive seconds per
 * query over those of the path {@code iclab eval} takes by default (chunks of {@link
 * EvalConfig#DEFAULT_BATCH_SIZE} queries packed over the prefix cache), measured in the same
 * rounds.
 *
 * <p>Both scoring paths see the same token ids; the largest score difference between them is
 * reported as a check. CPU times are reported twice: of the calling thread (where one PyTorch
 * thread computes; other processes hardly change it) and of the whole process (which also counts
 * the tokenizer library's threads, which encode a batch of prompts together). On a shared, loaded
 * machine run it with {@code -Dai.djl.pytorch.num_threads=1}: two intra-op threads competing with
 * other processes make every small forward wait on its thread barrier, which hides the saving of
 * the short forwards.
 */
@Command(
    name = "icl",
    defaultValueProvider = IclBench.Defaults.class,
    description = "Benchmark in-context-learning scoring and kNN selection; writes JSON.")
public final class IclBench extends CliCommand {
  @Mixin ResultFile output;

  @Option(
      names = "--data-dir",
      defaultValue = DatasetLoader.DEFAULT_DATA_DIR,
      description = "Datasets (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--tokenizer",
      defaultValue = "../shared/models/gpt2-tokenizer",
      description = "A GPT-2 tokenizer directory (default: ${DEFAULT-VALUE}).")
  Path tokenizerDir;

  @Option(names = "--shots", defaultValue = "16", description = "Shared demonstrations.")
  int shots;

  @Option(names = "--queries", defaultValue = "8", description = "Queries per path.")
  int queries;

  @Option(names = "--rounds", defaultValue = "3", description = "Timed rounds over the queries.")
  int rounds;

  @Option(
      names = "--batch-sizes",
      defaultValue = "4,8",
      description = "Batch sizes compared with one query at a time (default: ${DEFAULT-VALUE}).")
  String batchSizes;

  @Option(names = "--layers", defaultValue = "12", description = "GPT-2 layers (12 = small).")
  int layers;

  @Option(names = "--knn-pool", defaultValue = "10000", description = "Inputs to embed for kNN.")
  int knnPool;

  @Option(names = "--skip-knn", description = "Skip the kNN measurement.")
  boolean skipKnn;

  @Override
  protected void execute() throws IOException {
    PrintWriter log = spec.commandLine().getErr();
    Tensors.configureOffline();
    Task task = TaskRegistry.builtIn().get("sst2");
    DatasetLoader.Splits splits = new DatasetLoader(dataDir, false).load(task);
    ObjectNode result = Json.object();
    result.put("suite", "icl");
    result.put("cores", Runtime.getRuntime().availableProcessors());
    result.put("djl", ai.djl.engine.Engine.getDjlVersion());
    // On a loaded machine, small forwards suffer from thread oversubscription: record the setting.
    result.put("torch_threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
    Path temp = Files.createTempDirectory("iclab-bench-icl-");
    try {
      Path model = RandomCheckpoints.gpt2(temp.resolve("gpt2"), layers, 768, 12, 50257, 2048);
      for (String f : List.of("tokenizer.json", "vocab.json", "merges.txt")) {
        Path source = tokenizerDir.resolve(f);
        if (!Files.exists(source)) {
          throw new IclabException(
              "%s is missing; pass --tokenizer DIR with a GPT-2 tokenizer.json".formatted(source));
        }
        Files.copy(source, model.resolve(f));
      }
      log.println("scoring: " + shots + " shared demos, " + queries + " queries per path");
      result.set("scoring", scoring(model, task, splits, log));
      if (!skipKnn) {
        log.println("knn: embedding " + knnPool + " training inputs");
        result.set("knn", knn(splits.train(), splits.eval(), temp.resolve("cache")));
      }
    } finally {
      Json.deleteTree(temp);
    }
    output.write(spec, result);
  }

  private ObjectNode scoring(
      Path modelDir, Task task, DatasetLoader.Splits splits, PrintWriter log) {
    ObjectNode node = Json.object();
    try (LanguageModel lm = LanguageModel.open(modelDir, Tensors.device("cpu"))) {
      IclEvaluator evaluator = new IclEvaluator(lm.model(), lm.requireTokenizer());
      List<Demo> demos =
          DemoSelector.parse("random", splits.train()).select(null, shots, 1).stream()
              .map(Demo::gold)
              .toList();
      List<Prompt> prompts = new ArrayList<>();
      for (Example q : splits.eval().examples().subList(0, queries)) {
        prompts.add(new Prompt("", demos, q, task.template(), task.labelWords()));
      }
      // Warm-up, then rounds that interleave the two paths query by query, so that load from
      // other processes on the machine hits both alike; medians per query are reported.
      evaluator.scoreNaive(prompts.get(0));
      List<List<ContinuationScore>> naiveScores = new ArrayList<>(prompts.size());
      prompts.forEach(p -> naiveScores.add(null));
      double[] naiveSeconds = new double[rounds * prompts.size()];
      double[] cachedSeconds = new double[rounds * prompts.size()];
      double[] prefixSeconds = new double[rounds];
      double[] defaultSeconds = new double[rounds * DEFAULT_PASSES_PER_ROUND];
      // CPU time of this thread: with one PyTorch thread the engine computes on it, so this is the
      // work done whatever else the machine runs (wall times on a loaded machine are not).
      double[] naiveCpu = new double[rounds * prompts.size()];
      double[] defaultCpu = new double[rounds * DEFAULT_PASSES_PER_ROUND];
      // CPU time of the whole process: the tokenizer library encodes a batch on its own threads.
      double[] naiveProcessCpu = new double[rounds * prompts.size()];
      double[] defaultProcessCpu = new double[rounds * DEFAULT_PASSES_PER_ROUND];
      double maxDiff = 0;
      double defaultMaxDiff = 0;
      int reused = 0;
      for (int r = 0; r < rounds; r++) {
        long start = System.nanoTime();
        try (CachedPrefix prefix = evaluator.openPrefix(prompts.get(0).prefixText())) {
          prefixSeconds[r] = (System.nanoTime() - start) / 1e9;
          node.put("prefix_tokens", prefix.length());
          for (int i = 0; i < prompts.size(); i++) {
            start = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            long processCpu = processCpuNanos();
            List<ContinuationScore> naive = evaluator.scoreNaive(prompts.get(i)).candidates();
            naiveSeconds[r * prompts.size() + i] = (System.nanoTime() - start) / 1e9;
            naiveCpu[r * prompts.size() + i] = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9;
            naiveProcessCpu[r * prompts.size() + i] = (processCpuNanos() - processCpu) / 1e9;
            start = System.nanoTime();
            IclEvaluator.Scores cached = evaluator.scoreCached(prefix, prompts.get(i));
            cachedSeconds[r * prompts.size() + i] = (System.nanoTime() - start) / 1e9;
            reused += cached.prefixReused() ? 1 : 0;
            maxDiff = Math.max(maxDiff, largestDifference(naive, cached.candidates()));
            naiveScores.set(i, naive);
          }
          // What `iclab eval` does with shared demonstrations: chunks of its default batch size
          // scored by scoreBatch over the prefix cache, timed DEFAULT_PASSES_PER_ROUND times a
          // round (one pass of the 8 standard queries is ~20x shorter than a naive query, so one
          // sample a round would leave its median to three samples against naive's 24).
          for (int pass = 0; pass < DEFAULT_PASSES_PER_ROUND; pass++) {
            int sample = r * DEFAULT_PASSES_PER_ROUND + pass;
            start = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            long processCpu = processCpuNanos();
            List<IclEvaluator.Scores> packed =
                score(evaluator, prefix, prompts, EvalConfig.DEFAULT_BATCH_SIZE);
            defaultSeconds[sample] = (System.nanoTime() - start) / 1e9 / prompts.size();
            defaultCpu[sample] = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9 / prompts.size();
            defaultProcessCpu[sample] = (processCpuNanos() - processCpu) / 1e9 / prompts.size();
            for (int i = 0; i < prompts.size(); i++) {
              defaultMaxDiff =
                  Math.max(
                      defaultMaxDiff,
                      largestDifference(naiveScores.get(i), packed.get(i).candidates()));
            }
          }
        }
      }
      double naiveMedian = median(naiveSeconds);
      double cachedMedian = median(cachedSeconds);
      double prefixMedian = median(prefixSeconds);
      node.put("rounds", rounds);
      node.put("naive_seconds_per_query_median", naiveMedian);
      node.put("prefix_seconds_median", prefixMedian);
      node.put("naive_queries_per_s", 1 / naiveMedian);
      int n = prompts.size();
      putPath(node, "prefix_reused_", "", cachedMedian, naiveMedian, prefixMedian, n);
      node.put("queries_reusing_prefix", reused);
      node.put("eval_default_batch_size", EvalConfig.DEFAULT_BATCH_SIZE);
      node.put("eval_default_passes_timed", defaultSeconds.length);
      putPassTokens(node, evaluator, lm.requireTokenizer(), prompts);
      double defaultMedian = median(defaultSeconds);
      putPath(node, "eval_default_", "eval_default_", defaultMedian, naiveMedian, prefixMedian, n);
      node.put("eval_default_max_abs_score_diff", defaultMaxDiff);
      node.put("naive_thread_cpu_seconds_per_query_median", median(naiveCpu));
      node.put("eval_default_thread_cpu_seconds_per_query_median", median(defaultCpu));
      node.put("eval_default_speedup_thread_cpu", median(naiveCpu) / median(defaultCpu));
      node.put("naive_process_cpu_seconds_per_query_median", median(naiveProcessCpu));
      node.put("eval_default_process_cpu_seconds_per_query_median", median(defaultProcessCpu));
      node.put(
          "eval_default_speedup_process_cpu", median(naiveProcessCpu) / median(defaultProcessCpu));
      node.put("model", "gpt2-small-shaped random (" + layers + " layers, 768, 12 heads)");
      node.put("shots", shots);
      node.put("label_words", task.labelWords().size());
      node.put("queries", prompts.size());
      node.put("prompt_tokens_mean", meanTokens(evaluator, prompts));
      node.put("max_abs_score_diff", maxDiff);
      log.println("batching: " + batchSizes + " queries per forward vs one at a time");
      ObjectNode batching = node.putObject("batching");
      batching.set("shared_demos", batching(evaluator, prompts));
      List<Prompt> zeroShot =
          prompts.stream()
              .map(p -> new Prompt("", List.of(), p.query(), p.template(), p.labelWords()))
              .toList();
      batching.set("zero_shot", batching(evaluator, zeroShot));
    }
    return node;
  }

  /**
   * Queries/s of {@link IclEvaluator#scoreBatch} with each batch size against one query at a time
   * on the same prefix cache (batch size 1 is {@link IclEvaluator#scoreCached}, or the naive path
   * when nothing is cached); rounds interleave the variants.
   */
  private ObjectNode batching(IclEvaluator evaluator, List<Prompt> prompts) {
    List<Integer> sizes = new ArrayList<>(List.of(1));
    for (String b : batchSizes.split(",")) {
      int size = Integer.parseInt(b.strip());
      if (size > prompts.size()) {
        throw new IclabException(
            "--batch-sizes %d exceeds --queries %d; pass --queries %d or more"
                .formatted(size, prompts.size(), size));
      }
      sizes.add(size);
    }
    double[][] seconds = new double[sizes.size()][rounds];
    double maxDiff = 0;
    try (CachedPrefix prefix = evaluator.openPrefix(prompts.get(0).prefixText())) {
      List<IclEvaluator.Scores> reference = score(evaluator, prefix, prompts, 1); // warm-up
      for (int r = 0; r < rounds; r++) {
        for (int v = 0; v < sizes.size(); v++) {
          long start = System.nanoTime();
          List<IclEvaluator.Scores> scores = score(evaluator, prefix, prompts, sizes.get(v));
          seconds[v][r] = (System.nanoTime() - start) / 1e9 / prompts.size();
          for (int q = 0; q < prompts.size(); q++) {
            maxDiff =
                Math.max(
                    maxDiff,
                    largestDifference(reference.get(q).candidates(), scores.get(q).candidates()));
          }
        }
      }
      ObjectNode node = Json.object();
      node.put("prefix_tokens", prefix.length());
      node.put("queries", prompts.size());
      node.put("prompt_tokens_mean", meanTokens(evaluator, prompts));
      double single = median(seconds[0]);
      for (int v = 0; v < sizes.size(); v++) {
        ObjectNode entry = node.putObject("batch_" + sizes.get(v));
        entry.put("seconds_per_query_median", median(seconds[v]));
        entry.put("queries_per_s", 1 / median(seconds[v]));
        entry.put("speedup_vs_batch_1", single / median(seconds[v]));
      }
      node.put("max_abs_score_diff_vs_batch_1", maxDiff);
      return node;
    }
  }

  private static List<IclEvaluator.Scores> score(
      IclEvaluator evaluator, CachedPrefix prefix, List<Prompt> prompts, int batch) {
    List<IclEvaluator.Scores> out = new ArrayList<>();
    for (int start = 0; start < prompts.size(); start += batch) {
      List<Prompt> chunk = prompts.subList(start, Math.min(prompts.size(), start + batch));
      if (batch == 1) {
        out.add(evaluator.scoreCached(prefix, chunk.get(0)));
      } else {
        out.addAll(evaluator.scoreBatch(prefix, chunk));
      }
    }
    return out;
  }

  /**
   * A path's seconds per query and queries per second, and its speedup over naive without and with
   * the prefix.
   */
  private static void putPath(
      ObjectNode node,
      String name,
      String speedupName,
      double seconds,
      double naive,
      double prefix,
      int queries) {
    node.put(name + "seconds_per_query_median", seconds);
    node.put(name + "queries_per_s", 1 / seconds);
    node.put(speedupName + "speedup", naive / seconds);
    node.put(
        speedupName + "speedup_including_prefix_for_" + queries + "_queries",
        naive * queries / (prefix + seconds * queries));
  }

  /** The largest difference between two lists' summed candidate scores. */
  private static double largestDifference(List<ContinuationScore> a, List<ContinuationScore> b) {
    double diff = 0;
    for (int label = 0; label < a.size(); label++) {
      diff = Math.max(diff, Math.abs(a.get(label).sum() - b.get(label).sum()));
    }
    return diff;
  }

  /** Timed passes of the default path per round. */
  static final int DEFAULT_PASSES_PER_ROUND = 3;

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /**
   * The tokens of the standard queries' one pass after the cached prefix: laid out as one chain per
   * query, and as the pass holds them (common starts shared, {@link PackedScorer#plan}).
   */
  private static void putPassTokens(
      ObjectNode node, IclEvaluator evaluator, Tokenizer tokenizer, List<Prompt> prompts) {
    int cached = tokenizer.encode(prompts.get(0).prefixText()).length - 1;
    List<ScoreRequest> requests = new ArrayList<>();
    for (IclEvaluator.Tokens t : evaluator.tokenizeAll(prompts)) {
      requests.add(
          new ScoreRequest(
              Arrays.copyOfRange(t.context(), cached, t.context().length), t.candidates()));
    }
    int chains = requests.stream().mapToInt(PackedScorer::packedLength).sum();
    node.put("eval_default_chain_tokens", chains);
    node.put("eval_default_pass_tokens", PackedScorer.plan(requests).ids().length);
  }

  /** CPU time of all the process's threads (JIT and GC included), in nanoseconds. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double meanTokens(IclEvaluator evaluator, List<Prompt> prompts) {
    return prompts.stream()
        .mapToInt(p -> evaluator.tokenize(p).context().length)
        .average()
        .orElse(0);
  }

  private ObjectNode knn(Dataset train, Dataset eval, Path cacheDir) {
    int n = Math.min(knnPool, train.size());
    Dataset pool =
        new Dataset(
            train.name(), train.examples().subList(0, n), train.source(), train.sha256(), 0);
    var selector =
        DemoSelector.KnnSelector.of(pool, new MiniLmEncoder(), new EmbeddingCache(cacheDir));
    long start = System.nanoTime();
    selector.index();
    double indexSeconds = (System.nanoTime() - start) / 1e9;
    int queries = Math.min(50, eval.size() - 1);
    selector.select(eval.get(0), shots, 1); // warm-up; query vectors are kept, so not timed again
    start = System.nanoTime();
    for (int i = 1; i <= queries; i++) {
      selector.select(eval.get(i), shots, 1);
    }
    double perQuery = (System.nanoTime() - start) / 1e9 / queries;
    ObjectNode node = Json.object();
    node.put("encoder", "all-minilm-l6-v2-q (langchain4j 0.36.2, ONNX Runtime)");
    node.put("pool", n);
    node.put("embed_and_index_seconds", indexSeconds);
    node.put("retrieval_ms_per_query", perQuery * 1000);
    node.put("k", shots);
    return node;
  }

  static final class Defaults extends OptionDefaults {
    Defaults() {
      super(Map.of("--out", "runs/bench/icl.json"));
    }
  }
}
