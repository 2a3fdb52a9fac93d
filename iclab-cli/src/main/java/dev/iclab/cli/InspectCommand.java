package dev.iclab.cli;

import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.TensorEntry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iclab inspect}: what a checkpoint is and what it will cost to run. */
@Command(
    name = "inspect",
    description =
        "Print a model's architecture, parameter count, stored dtypes, context length, vocabulary"
            + " size and the memory it will take.")
public final class InspectCommand extends ModelCommand {

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  protected void execute() {
    Path directory = modelOptions.directory();
    HfConfig hf = HfConfig.read(directory);
    Map<String, Long> elementsByDtype = new TreeMap<>();
    long storedBytes = 0;
    try (Checkpoint checkpoint = Checkpoint.open(directory)) {
      for (String name : checkpoint.names()) {
        TensorEntry entry = checkpoint.entry(name).orElseThrow();
        elementsByDtype.merge(entry.dtype().name(), entry.elementCount(), Long::sum);
        storedBytes += entry.byteSize();
      }
    }
    try (LanguageModel lm = LanguageModel.open(directory, modelOptions.device())) {
      CausalLM model = lm.model();
      ModelConfig c = model.config();
      long parameters = model.parameterCount();
      long weightBytes = parameters * DType.F32.bytes(); // computed in FP32 whatever is stored
      long kvBytesPerToken = 2L * c.numLayers() * c.numKeyValueHeads() * c.headDim() * 4;
      var out = Json.object();
      out.put("directory", directory.toString());
      out.put("model_type", c.modelType());
      out.put(
          "architecture",
          hf.node("architectures") != null && hf.node("architectures").path(0).isTextual()
              ? hf.node("architectures").get(0).asText()
              : c.modelType());
      out.put("parameters", parameters);
      out.put("layers", c.numLayers());
      out.put("hidden_size", c.hiddenSize());
      out.put("heads", c.numHeads());
      out.put("kv_heads", c.numKeyValueHeads());
      out.put("head_dim", c.headDim());
      out.put("intermediate_size", c.intermediateSize());
      out.put("context_length", c.contextLength());
      out.put("vocab_size", c.vocabSize());
      out.put("tied_embeddings", c.tiedEmbeddings());
      out.put("attention", c.attention().type().name().toLowerCase(java.util.Locale.ROOT));
      if (c.attention().isMomentum()) {
        out.put("momentum_eta", c.attention().eta());
      }
      var dtypes = out.putObject("stored_dtypes");
      elementsByDtype.forEach(dtypes::put);
      out.put("stored_bytes", storedBytes);
      out.put("weight_bytes_fp32", weightBytes);
      out.put("kv_cache_bytes_per_token", kvBytesPerToken);
      out.put("memory_bytes_at_full_context", weightBytes + kvBytesPerToken * c.contextLength());
      out.put("tokenizer", lm.tokenizer().isPresent());
      PrintWriter w = out();
      if (json) {
        Json.print(w, out);
        return;
      }
      w.printf("model        %s (%s)%n", directory, out.get("architecture").asText());
      w.printf("model_type   %s%n", c.modelType());
      w.printf("parameters   %,d (%s)%n", parameters, human(parameters, ""));
      w.printf(
          "shape        %d layers, hidden %d, %d heads (%d kv), head dim %d, mlp %d%n",
          c.numLayers(),
          c.hiddenSize(),
          c.numHeads(),
          c.numKeyValueHeads(),
          c.headDim(),
          c.intermediateSize());
      w.printf("attention    %s%n", c.attention());
      w.printf("context      %,d tokens%n", c.contextLength());
      w.printf(
          "vocabulary   %,d tokens%s%n",
          c.vocabSize(), lm.tokenizer().isPresent() ? "" : " (no tokenizer.json)");
      w.printf("stored       %s, %s on disk%n", elementsByDtype, human(storedBytes, "B"));
      w.printf(
          "memory       %s weights in FP32 + %s KV cache per token (%s at full context)%n",
          human(weightBytes, "B"),
          human(kvBytesPerToken, "B"),
          human(weightBytes + kvBytesPerToken * c.contextLength(), "B"));
      w.flush();
    }
  }

  static String human(long value, String unit) {
    String[] prefixes =
        unit.equals("B")
            ? new String[] {"", "Ki", "Mi", "Gi", "Ti"}
            : new String[] {"", "K", "M", "B", "T"};
    double base = unit.equals("B") ? 1024 : 1000;
    double v = value;
    int i = 0;
    while (v >= base && i < prefixes.length - 1) {
      v /= base;
      i++;
    }
    return i == 0
        ? value + (unit.isEmpty() ? "" : " " + unit)
        : "%.2f %s%s".formatted(v, prefixes[i], unit);
  }
}
