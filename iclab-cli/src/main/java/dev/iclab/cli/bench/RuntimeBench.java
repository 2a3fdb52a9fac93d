package dev.iclab.cli.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.FlagChecks;
import dev.iclab.cli.CliCommand;
import dev.iclab.cli.Json;
import dev.iclab.cli.OptionDefaults;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.DType;
import dev.iclab.tensor.Tensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab bench runtime}: forward throughput against the machine's matmul ceiling, generation
 * latency with and without the KV cache, and memory (load size, growth over many forwards), on
 * random-weight checkpoints of real shapes written to a temporary directory.
 */
@Command(
    name = "runtime",
    defaultValueProvider = RuntimeBench.Defaults.class,
    description = "Benchmark the model runtime and write JSON results.")
public final class RuntimeBench extends CliCommand {
  @Mixin ResultFile output;

  @Option(
      names = "--forwards",
      defaultValue = "1000",
      description = "Repeated forwards for the memory-growth check (default: ${DEFAULT-VALUE}).")
  int forwards;

  @Option(names = "--skip-large", description = "Skip the ~500M-parameter FP16 load.")
  boolean skipLarge;

  @Option(
      names = "--repeats",
      defaultValue = "5",
      description = "Timed repeats per measurement; the median is reported.")
  int repeats;

  private PrintWriter log;

  @Override
  protected void execute() throws IOException {
    FlagChecks.atLeast("--repeats", repeats, 1);
    FlagChecks.atLeast("--forwards", forwards, 1);
    log = spec.commandLine().getErr();
    ObjectNode result = Json.object();
    result.put("suite", "runtime");
    result.put("cores", Runtime.getRuntime().availableProcessors());
    result.put("java", Runtime.version().toString());
    result.put("djl", ai.djl.engine.Engine.getDjlVersion());
    result.put("load_average_at_start", ProcStatus.loadAverage());
    Path temp = Files.createTempDirectory("iclab-bench-");
    try {
      double ceiling = matmulCeiling();
      result.put("matmul_gflops", ceiling);
      if (!skipLarge) {
        // First, while the process is small: later forwards leave freed native memory that the
        // allocator keeps and would hand to the load, hiding its size from the RSS delta.
        result.set("load_memory", largeLoad(temp.resolve("llama-500m")));
      }
      Path gpt2 = RandomCheckpoints.gpt2(temp.resolve("gpt2-small"), 12, 768, 12, 50257, 2048);
      try (CausalLM model = ModelLoader.standard().load(gpt2)) {
        result.put(
            "model", "GPT-2 small shape (124M parameters, random weights, n_positions 2048)");
        result.set("forward", forward(model, ceiling));
        result.set("generation", generation(model));
        result.set("memory_growth", growth(model));
      }
    } finally {
      Json.deleteTree(temp);
    }
    output.write(spec, result);
  }

  private interface Timed {
    void run();
  }

  /** Median seconds of {@code repeats} runs after one warm-up. */
  private double time(int times, Timed work) {
    work.run();
    double[] seconds = new double[times];
    for (int i = 0; i < times; i++) {
      long start = System.nanoTime();
      work.run();
      seconds[i] = (System.nanoTime() - start) / 1e9;
    }
    return Median.of(seconds);
  }

  /** The best of several 2048 x 2048 FP32 matmuls: the practical ceiling of this machine. */
  private double matmulCeiling() {
    int n = 2048;
    try (NDManager manager = Tensors.newManager()) {
      NDArray a = manager.randomNormal(new Shape(n, n));
      NDArray b = manager.randomNormal(new Shape(n, n));
      double best = Double.MAX_VALUE;
      for (int i = 0; i <= repeats; i++) {
        try (NDManager scope = manager.newSubManager()) {
          long start = System.nanoTime();
          NDArray c = a.matMul(b);
          c.attach(scope);
          c.toFloatArray();
          double seconds = (System.nanoTime() - start) / 1e9;
          best = i == 0 ? best : Math.min(best, seconds); // the first is warm-up
        }
      }
      double gflops = 2.0 * n * n * n / best / 1e9;
      log.printf("matmul %dx%d: %.1f GFLOP/s (best of %d)%n", n, n, gflops, repeats);
      return gflops;
    }
  }

  /** FLOPs of one forward of {@code t} tokens: projections, attention (full square), head. */
  static double forwardFlops(ModelConfig c, int t) {
    double d = c.hiddenSize();
    double projections = 2.0 * t * c.numLayers() * (4 * d * d + 2 * d * c.intermediateSize());
    double attention = 2.0 * 2 * c.numLayers() * (double) t * t * d;
    double head = 2.0 * t * d * c.vocabSize();
    return projections + attention + head;
  }

  private ArrayNode forward(CausalLM model, double ceiling) {
    ArrayNode rows = Json.MAPPER.createArrayNode();
    for (int tokens : new int[] {128, 512}) {
      int[] ids = randomIds(tokens, model.config().vocabSize());
      double seconds = time(repeats, () -> run(model, ids, ForwardOptions.NONE));
      double gflops = forwardFlops(model.config(), tokens) / seconds / 1e9;
      ObjectNode row = rows.addObject();
      row.put("tokens", tokens);
      row.put("seconds_median", seconds);
      row.put("tokens_per_s", tokens / seconds);
      row.put("gflops", gflops);
      row.put("fraction_of_matmul_ceiling", gflops / ceiling);
      log.printf(
          "forward %d tokens: %.3f s, %.0f tok/s, %.1f GFLOP/s (%.0f%% of matmul)%n",
          tokens, seconds, tokens / seconds, gflops, 100 * gflops / ceiling);
    }
    return rows;
  }

  private static void run(CausalLM model, int[] ids, ForwardOptions options) {
    try (NDManager scope = model.manager().newSubManager()) {
      model.forward(scope, scope.create(ids, new Shape(1, ids.length)), options).toFloatArray();
    }
  }

  private ArrayNode generation(CausalLM model) {
    ArrayNode rows = Json.MAPPER.createArrayNode();
    int vocab = model.config().vocabSize();
    for (int position : new int[] {64, 256, 1024}) {
      int[] prompt = randomIds(position, vocab);
      int[] withNext = Arrays.copyOf(prompt, position + 1);
      withNext[position] = 7;
      double uncached =
          time(
              Math.min(repeats, 3), () -> run(model, withNext, ForwardOptions.NONE.lastOnly(true)));
      double cached;
      try (NDManager session = model.manager().newSubManager();
          KvCache cache = model.newCache(session)) {
        try (NDManager scope = session.newSubManager()) {
          model.forward(
              scope, scope.create(prompt, new Shape(1, position)), ForwardOptions.withCache(cache));
        }
        double[] steps = new double[repeats];
        for (int i = 0; i < repeats; i++) {
          long start = System.nanoTime();
          run(model, new int[] {7}, ForwardOptions.withCache(cache).lastOnly(true));
          steps[i] = (System.nanoTime() - start) / 1e9;
        }
        cached = Median.of(steps);
      }
      ObjectNode row = rows.addObject();
      row.put("position", position);
      row.put("cached_ms_per_token", cached * 1e3);
      row.put("uncached_ms_per_token", uncached * 1e3);
      row.put("speedup", uncached / cached);
      log.printf(
          "next token at position %d: %.1f ms with cache, %.1f ms without (%.1fx)%n",
          position, cached * 1e3, uncached * 1e3, uncached / cached);
    }
    return rows;
  }

  /**
   * Memory after {@code forwards / 5} and after {@code forwards} forwards. RSS includes the Java
   * heap, which grows until the collector settles, so native memory is estimated as RSS minus the
   * committed heap after a collection; the arrays owned by the model's manager must stay constant.
   */
  private ObjectNode growth(CausalLM model) {
    int[] ids = randomIds(16, model.config().vocabSize());
    int early = Math.max(1, forwards / 5);
    ObjectNode node = Json.object();
    node.put("forwards", forwards);
    node.put("tokens_per_forward", ids.length);
    ObjectNode first = null;
    for (int i = 1; i <= forwards; i++) {
      run(model, ids, ForwardOptions.NONE);
      if (i == early || i == forwards) {
        ObjectNode sample = memorySample(model);
        node.set("after_" + i, sample);
        if (i == early) {
          first = sample;
        } else {
          node.put(
              "native_growth_bytes",
              sample.get("native_bytes").asLong() - first.get("native_bytes").asLong());
          node.put(
              "model_arrays_growth",
              sample.get("model_arrays").asInt() - first.get("model_arrays").asInt());
        }
        log.printf(
            "after %d forwards: RSS %.1f MiB, heap committed %.1f MiB, native %.1f MiB, model arrays %d%n",
            i,
            sample.get("rss_bytes").asLong() / 1048576.0,
            sample.get("heap_committed_bytes").asLong() / 1048576.0,
            sample.get("native_bytes").asLong() / 1048576.0,
            sample.get("model_arrays").asInt());
      }
    }
    return node;
  }

  private static ObjectNode memorySample(CausalLM model) {
    System.gc();
    long rss = ProcStatus.residentBytes();
    long heap = Runtime.getRuntime().totalMemory();
    ObjectNode sample = Json.object();
    sample.put("rss_bytes", rss);
    sample.put("heap_committed_bytes", heap);
    sample.put("native_bytes", rss - heap);
    sample.put("model_arrays", model.manager().getManagedArrays().size());
    return sample;
  }

  private ObjectNode largeLoad(Path dir) {
    log.println("writing a ~500M-parameter FP16 Llama-shaped checkpoint ...");
    RandomCheckpoints.llama(dir, 14, 1536, 12, 4, 4096, 32000, DType.F16);
    System.gc();
    long before = ProcStatus.residentBytes();
    ObjectNode node = Json.object();
    try (CausalLM model = ModelLoader.standard().load(dir)) {
      long after = ProcStatus.residentBytes();
      long parameters = model.parameterCount();
      long fp32 = parameters * 4;
      node.put("parameters", parameters);
      node.put("stored", "F16");
      node.put("fp32_weight_bytes", fp32);
      node.put("rss_delta_bytes", after - before);
      node.put("rss_delta_over_fp32_bytes", (after - before) / (double) fp32);
      log.printf(
          "loaded %,d parameters (FP16 on disk): RSS +%.0f MiB for %.0f MiB of FP32 weights (ratio %.2f)%n",
          parameters,
          (after - before) / 1048576.0,
          fp32 / 1048576.0,
          (after - before) / (double) fp32);
    }
    return node;
  }

  private static int[] randomIds(int n, int vocab) {
    return new SplittableRandom(n).ints(n, 0, vocab).toArray();
  }

  static final class Defaults extends OptionDefaults {
    Defaults() {
      super(Map.of("--out", "runs/bench/runtime.json"));
    }
  }
}
