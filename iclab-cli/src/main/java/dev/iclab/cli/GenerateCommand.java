package dev.iclab.cli;

import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.generate.GenerationConfig;
import dev.iclab.lm.generate.Generator;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code iclab generate}: continue a prompt, greedily or by seeded sampling. */
@Command(
    name = "generate",
    description =
        "Generate a continuation of a prompt with a KV cache. Stops at EOS, at a --stop string, or"
            + " after --max-new-tokens.")
public final class GenerateCommand extends ModelCommand {
  @Mixin PromptOptions promptOptions;

  @Option(
      names = "--max-new-tokens",
      defaultValue = "32",
      description = "Default: ${DEFAULT-VALUE}.")
  int maxNewTokens;

  @Option(names = "--greedy", description = "Pick the most likely token at every step.")
  boolean greedy;

  @Option(
      names = "--temperature",
      defaultValue = "1.0",
      description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--top-k",
      defaultValue = "0",
      description = "Sample among the k most likely tokens; 0 = all.")
  int topK;

  @Option(
      names = "--top-p",
      defaultValue = "1.0",
      description = "Nucleus sampling threshold; 1 = off.")
  double topP;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Sampling seed: the same seed gives the same text.")
  long seed;

  @Option(
      names = "--stop",
      paramLabel = "STRING",
      description = "Stop once the text contains it (repeatable); the text ends before it.")
  List<String> stop = new ArrayList<>();

  @Option(names = "--no-eos-stop", description = "Do not stop at the end-of-sequence token.")
  boolean ignoreEos;

  @Option(
      names = "--json",
      description = "Print {\"prompt_ids\", \"generated_ids\", \"text\", \"stop_reason\"}.")
  boolean json;

  @Override
  protected void execute() {
    try (LanguageModel lm = modelOptions.open()) {
      int[] promptIds = promptOptions.ids(lm);
      List<Integer> stopIds = ignoreEos ? List.of() : lm.eosTokenIds();
      GenerationConfig config =
          new GenerationConfig(maxNewTokens, greedy, temperature, topK, topP, seed, stopIds, stop);
      Tokenizer tokenizer = lm.tokenizer().orElse(null);
      if (tokenizer == null && !stop.isEmpty()) {
        lm.requireTokenizer();
      }
      Function<int[], String> decoder = tokenizer == null ? null : tokenizer::decode;
      Generator.Result result = new Generator(lm.model()).generate(promptIds, config, decoder);
      String text = tokenizer == null ? null : cutAtStop(tokenizer.decode(result.generatedIds()));
      PrintWriter out = out();
      if (json) {
        var node = Json.object();
        node.set("prompt_ids", Json.MAPPER.valueToTree(result.promptIds()));
        node.set("generated_ids", Json.MAPPER.valueToTree(result.generatedIds()));
        node.put("text", text);
        node.put("stop_reason", result.reason().name().toLowerCase(java.util.Locale.ROOT));
        Json.print(out, node);
      } else if (text != null) {
        out.println(text);
      } else {
        out.println(java.util.Arrays.toString(result.generatedIds()));
      }
      out.flush();
    }
  }

  private String cutAtStop(String text) {
    int cut = text.length();
    for (String s : stop) {
      int at = text.indexOf(s);
      if (at >= 0) {
        cut = Math.min(cut, at);
      }
    }
    return text.substring(0, cut);
  }
}
