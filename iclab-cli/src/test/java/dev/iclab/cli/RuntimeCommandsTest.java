package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.lm.ReferenceOutputs;
import dev.iclab.lm.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime commands end to end: outputs against references, exit codes, one-line errors. */
class RuntimeCommandsTest {
  private static String tinyStories() {
    return TestModels.model("tinystories-656k").toString();
  }

  private static int[] ints(JsonNode array) {
    int[] values = new int[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asInt();
    }
    return values;
  }

  @Test
  void greedyGenerationMatchesReference() {
    ReferenceOutputs.Case c = ReferenceOutputs.read(Path.of(tinyStories())).cases().get(0);
    CliRun run =
        CliRun.of(
            "generate",
            "--model",
            tinyStories(),
            "--prompt",
            "Once upon a time",
            "--max-new-tokens",
            "32",
            "--greedy",
            "--no-eos-stop",
            "--json");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode json = run.json();
    assertEquals(Arrays.toString(c.inputIds()), Arrays.toString(ints(json.get("prompt_ids"))));
    assertEquals(
        Arrays.toString(c.greedyNewIds()), Arrays.toString(ints(json.get("generated_ids"))));
    assertTrue(json.get("text").asText().startsWith(", a little girl named Lily"), json.toString());
  }

  @Test
  void sameSeedSameTextOtherSeedOtherText() {
    String[] args = {
      "generate",
      "--model",
      tinyStories(),
      "--prompt",
      "Once upon a time",
      "--max-new-tokens",
      "24",
      "--temperature",
      "1.2",
      "--json",
      "--seed"
    };
    String a = CliRun.of(concat(args, "7")).json().get("generated_ids").toString();
    String b = CliRun.of(concat(args, "7")).json().get("generated_ids").toString();
    String c = CliRun.of(concat(args, "8")).json().get("generated_ids").toString();
    assertEquals(a, b);
    assertFalse(a.equals(c), "seeds 7 and 8 gave the same 24 tokens");
  }

  @Test
  void stopStringEndsTheText() {
    CliRun run =
        CliRun.of(
            "generate",
            "--model",
            tinyStories(),
            "--prompt",
            "Once upon a time",
            "--max-new-tokens",
            "32",
            "--greedy",
            "--stop",
            "Lily",
            "--json");
    JsonNode json = run.json();
    assertEquals("stop_string", json.get("stop_reason").asText());
    assertEquals(", a little girl named ", json.get("text").asText());
  }

  @Test
  void logitsMatchReferenceForTextAndIds() {
    ReferenceOutputs.Case c = ReferenceOutputs.read(Path.of(tinyStories())).cases().get(0);
    JsonNode byText =
        CliRun.of("logits", "--model", tinyStories(), "--prompt", "Once upon a time", "--json")
            .json();
    String ids = String.join(",", Arrays.stream(c.inputIds()).mapToObj(String::valueOf).toList());
    JsonNode byIds = CliRun.of("logits", "--model", tinyStories(), "--ids", ids, "--json").json();
    assertEquals(byText.get("ids").toString(), byIds.get("ids").toString());
    JsonNode logits = byIds.get("last_logits");
    assertEquals(c.lastLogits().length, logits.size());
    for (int i = 0; i < logits.size(); i++) {
      assertEquals(c.lastLogits()[i], logits.get(i).asDouble(), 1e-4, "logit " + i);
      assertEquals(logits.get(i).asDouble(), byText.get("last_logits").get(i).asDouble(), 0);
    }
  }

  @Test
  void scoreEqualsLogSoftmaxOfLogitsRuns() {
    String context = "Once upon a time";
    CliRun run =
        CliRun.of(
            "score",
            "--model",
            tinyStories(),
            "--context",
            context + " ",
            "--candidates",
            "there was",
            "a girl",
            "--json");
    assertEquals(0, run.exitCode(), run.err());
    for (JsonNode candidate : run.json().get("candidates")) {
      int[] tokens = ints(candidate.get("tokens"));
      int[] prefix =
          ints(
              CliRun.of("logits", "--model", tinyStories(), "--prompt", context, "--json")
                  .json()
                  .get("ids"));
      double sum = 0;
      int[] sequence = prefix;
      for (int token : tokens) {
        String ids = String.join(",", Arrays.stream(sequence).mapToObj(String::valueOf).toList());
        JsonNode logits =
            CliRun.of("logits", "--model", tinyStories(), "--ids", ids, "--json")
                .json()
                .get("last_logits");
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode l : logits) {
          max = Math.max(max, l.asDouble());
        }
        double z = 0;
        for (JsonNode l : logits) {
          z += Math.exp(l.asDouble() - max);
        }
        sum += logits.get(token).asDouble() - max - Math.log(z);
        sequence = concatInts(sequence, token);
      }
      assertEquals(sum, candidate.get("sum_logprob").asDouble(), 1e-4, candidate.toString());
      assertEquals(tokens.length, candidate.get("n_tokens").asInt());
      assertEquals(sum / tokens.length, candidate.get("mean_logprob").asDouble(), 1e-4);
    }
  }

  @Test
  void perplexityCountsEveryTokenOnceAndWindowsLongText(@TempDir Path dir) throws IOException {
    Path text = dir.resolve("story.txt");
    Files.writeString(
        text,
        "Once upon a time there was a little girl. She liked to play in the park. ".repeat(80));
    JsonNode small =
        CliRun.of(
                "perplexity",
                "--model",
                tinyStories(),
                "--data",
                text.toString(),
                "--max-length",
                "64",
                "--stride",
                "32",
                "--json")
            .json();
    JsonNode whole =
        CliRun.of("perplexity", "--model", tinyStories(), "--data", text.toString(), "--json")
            .json();
    int[] ids =
        ints(
            CliRun.of("logits", "--model", tinyStories(), "--prompt", "x", "--json")
                .json()
                .get("ids"));
    assertEquals(1, ids[0], "TinyStories prepends BOS");
    assertEquals(
        small.get("tokens").asLong(), whole.get("tokens").asLong(), "each token predicted once");
    assertTrue(
        whole.get("windows").asInt() > 1, "text longer than 512 tokens needs several windows");
    for (JsonNode run : new JsonNode[] {small, whole}) {
      double fromNll = Math.exp(run.get("nll").asDouble() / run.get("tokens").asDouble());
      assertEquals(fromNll, run.get("ppl").asDouble(), 1e-9 * fromNll);
    }
  }

  @Test
  void inspectReportsShapeAndMemory() {
    JsonNode json = CliRun.of("inspect", "--model", tinyStories(), "--json").json();
    assertEquals("llama", json.get("model_type").asText());
    assertEquals(656_000, json.get("parameters").asLong());
    assertEquals(512, json.get("context_length").asInt());
    assertEquals(2048, json.get("vocab_size").asInt());
    assertEquals(656_000L * 4, json.get("weight_bytes_fp32").asLong());
    assertEquals(656_000, json.get("stored_dtypes").get("F32").asLong());
  }

  @Test
  void badInputIsOneLineAndExitOne(@TempDir Path dir) throws IOException {
    CliRun missing = CliRun.of("inspect", "--model", dir.resolve("nope").toString());
    assertEquals(1, missing.exitCode());
    assertTrue(missing.err().startsWith("error: "), missing.err());
    assertFalse(missing.err().contains("\tat "), "no stack trace by default");

    CliRun verbose = CliRun.of("inspect", "--model", dir.resolve("nope").toString(), "--verbose");
    assertTrue(verbose.err().contains("\tat "), "--verbose shows the stack trace");

    CliRun empty = CliRun.of("generate", "--model", tinyStories(), "--prompt", "");
    assertEquals(1, empty.exitCode());
    assertTrue(empty.err().contains("prompt is empty"), empty.err());

    String longPrompt = "Once upon a time there was a girl. ".repeat(100);
    CliRun tooLong = CliRun.of("generate", "--model", tinyStories(), "--prompt", longPrompt);
    assertEquals(1, tooLong.exitCode());
    assertTrue(tooLong.err().contains("context window is 512"), tooLong.err());

    CliRun tooLongLogits = CliRun.of("logits", "--model", tinyStories(), "--prompt", longPrompt);
    assertEquals(1, tooLongLogits.exitCode());
    assertTrue(tooLongLogits.err().contains("context window of 512"), tooLongLogits.err());

    Path noTokenizer = TestModels.model("synthetic/qwen2-tiny");
    CliRun text = CliRun.of("generate", "--model", noTokenizer.toString(), "--prompt", "hi");
    assertEquals(1, text.exitCode());
    assertTrue(text.err().contains("no tokenizer.json"), text.err());

    CliRun usage = CliRun.of("generate", "--model", tinyStories());
    assertEquals(2, usage.exitCode());
    CliRun unknown = CliRun.of("frobnicate");
    assertEquals(2, unknown.exitCode());
    CliRun badTemperature =
        CliRun.of("generate", "--model", tinyStories(), "--prompt", "a", "--temperature", "0");
    assertEquals(1, badTemperature.exitCode());
    assertTrue(
        badTemperature.err().contains("--temperature must be a finite number > 0"),
        badTemperature.err());
  }

  private static String[] concat(String[] args, String last) {
    String[] all = Arrays.copyOf(args, args.length + 1);
    all[args.length] = last;
    return all;
  }

  private static int[] concatInts(int[] ids, int last) {
    int[] all = Arrays.copyOf(ids, ids.length + 1);
    all[ids.length] = last;
    return all;
  }
}
