package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.lm.TestModels;
import dev.iclab.tensor.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iclab pretrain}, and the other commands on the model it writes. */
class PretrainCommandTest {
  @TempDir Path tmp;

  private List<String> args(Path out, Path train, Path valid, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "pretrain",
                "--arch",
                "llama",
                "--layers",
                "1",
                "--hidden",
                "32",
                "--heads",
                "2",
                "--context",
                "256",
                "--tokenizer",
                TestModels.model("tinystories-656k").toString(),
                "--data",
                train.toString(),
                "--valid",
                valid.toString(),
                "--steps",
                "3",
                "--batch-size",
                "2",
                "--lr",
                "1e-2",
                "--warmup-steps",
                "1",
                "--eval-windows",
                "2",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args;
  }

  @Test
  void writesAModelThatTheOtherCommandsLoad() throws IOException {
    List<String> lines = Files.readAllLines(SharedAssets.require("data/brown/brown.train.txt"));
    Path train = Files.write(tmp.resolve("train.txt"), lines.subList(0, 80));
    Path valid = Files.write(tmp.resolve("valid.txt"), lines.subList(80, 110));
    Path model = tmp.resolve("model");
    CliRun run =
        CliRun.of(
            args(model, train, valid, "--attention", "momentum", "--momentum-eta", "0.5", "--json")
                .toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(3, run.json().get("steps").asInt());
    JsonNode config = Json.MAPPER.readTree(model.resolve("config.json").toFile());
    assertEquals("momentum", config.path("iclab_attention").path("type").asText());
    assertEquals(0.5, config.path("iclab_attention").path("eta").asDouble());
    JsonNode runJson = Json.MAPPER.readTree(model.resolve("run.json").toFile());
    assertEquals(train.toString(), runJson.path("data").path("train").path("path").asText());
    assertEquals(64, runJson.path("data").path("train").path("sha256").asText().length());

    String m = model.toString();
    CliRun generated =
        CliRun.of(
            "generate",
            "--model",
            m,
            "--prompt",
            "The jury",
            "--max-new-tokens",
            "4",
            "--greedy",
            "--json");
    assertEquals(0, generated.exitCode(), generated.err());
    assertEquals(4, generated.json().get("generated_ids").size());
    CliRun perplexity = CliRun.of("perplexity", "--model", m, "--data", valid.toString(), "--json");
    assertEquals(0, perplexity.exitCode(), perplexity.err());
    Path jsonl = tmp.resolve("tune.jsonl");
    Files.writeString(
        jsonl, "{\"text\": \"The jury said it did find that many of the voters.\"}\n");
    CliRun tuned =
        CliRun.of(
            "tune",
            "--model",
            m,
            "--method",
            "lora",
            "--data",
            jsonl.toString(),
            "--max-length",
            "64",
            "--out",
            tmp.resolve("lora").toString());
    assertEquals(0, tuned.exitCode(), tuned.err());
    String data = SharedAssets.require("data").toString();
    CliRun eval =
        CliRun.of(
            "eval",
            "--model",
            m,
            "--task",
            "sst2",
            "--data-dir",
            data,
            "--shots",
            "0,1",
            "--limit",
            "4",
            "--out",
            tmp.resolve("eval").toString());
    assertEquals(0, eval.exitCode(), eval.err());
    CliRun dai =
        CliRun.of(
            "dai",
            "--model",
            m,
            "--task",
            "sst2",
            "--data-dir",
            data,
            "--shots",
            "2",
            "--limit",
            "4",
            "--out",
            tmp.resolve("dai").toString());
    assertEquals(0, dai.exitCode(), dai.err());
  }

  @Test
  void badFlagsFailWithOneLineAndWriteNothing() throws IOException {
    Path train = Files.writeString(tmp.resolve("t.txt"), "Too short .\n");
    Path out = tmp.resolve("out");
    for (List<String> extra :
        List.of(
            List.of("--attention", "linear"),
            List.of("--attention", "momentum", "--momentum-eta", "1.5"),
            List.of("--momentum-eta", "0.5"),
            List.<String>of())) {
      CliRun run =
          CliRun.of(args(out, train, train, extra.toArray(String[]::new)).toArray(String[]::new));
      assertEquals(1, run.exitCode(), extra + ": " + run.err());
      assertTrue(run.err().startsWith("error: "), run.err());
      assertFalse(run.err().lines().findFirst().orElseThrow().contains("Exception"), run.err());
      assertFalse(Files.exists(out), extra.toString());
    }
  }

  @Test
  void killedRunResumesToTheSameWeights() throws Exception {
    // A corpus from the repository's SST-2 slice, so this runs on a bare clone.
    List<String> sentences =
        Files.readAllLines(SharedAssets.require("data/sst2/glue_train.tsv")).stream()
            .skip(1)
            .map(line -> line.split("\t")[0])
            .limit(600)
            .toList();
    Path train = Files.write(tmp.resolve("train.txt"), sentences.subList(0, 560));
    Path valid = Files.write(tmp.resolve("valid.txt"), sentences.subList(560, 600));
    String[] longer = {"--steps", "120", "--save-every", "4", "--attention", "momentum"};
    Path straight = tmp.resolve("straight");
    CliRun a = CliRun.of(withSteps(args(straight, train, valid, "--json"), longer));
    assertEquals(0, a.exitCode(), a.err());

    Path killed = tmp.resolve("killed");
    assertTrue(
        KilledRun.killWhen(
            List.of(withSteps(args(killed, train, valid), longer)),
            tmp.resolve("killed.log"),
            () -> KilledRun.newestCheckpoint(killed),
            8),
        "the run was still going when killed");
    int reached = KilledRun.newestCheckpoint(killed);
    assertTrue(reached >= 8 && reached < 120, "killed at step " + reached);
    assertFalse(Files.exists(killed.resolve("model.safetensors")));

    CliRun resumed = CliRun.of(withSteps(args(killed, train, valid, "--resume", "--json"), longer));
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertTrue(resumed.json().get("resumed_at").asInt() >= reached, resumed.json().toString());
    assertEquals(a.json().get("tokens"), resumed.json().get("tokens"), "the token count goes on");
    assertArrayEquals(
        Files.readAllBytes(straight.resolve("model.safetensors")),
        Files.readAllBytes(killed.resolve("model.safetensors")),
        "bit-identical weights after kill -9 and --resume");
    assertEquals(
        Files.readAllLines(straight.resolve("metrics.jsonl")).stream()
            .map(PretrainCommandTest::withoutTiming)
            .toList(),
        Files.readAllLines(killed.resolve("metrics.jsonl")).stream()
            .map(PretrainCommandTest::withoutTiming)
            .toList());
  }

  /** Replaces the flags given in pairs ({@code --steps 120 ...}), adding those not yet there. */
  private static String[] withSteps(List<String> args, String... pairs) {
    List<String> out = new ArrayList<>(args);
    for (int i = 0; i < pairs.length; i += 2) {
      int at = out.indexOf(pairs[i]);
      if (at >= 0) {
        out.set(at + 1, pairs[i + 1]);
      } else {
        out.add(pairs[i]);
        out.add(pairs[i + 1]);
      }
    }
    return out.toArray(String[]::new);
  }

  private static String withoutTiming(String line) {
    return line.replaceAll("\"tokens_per_s\":[0-9.eE+-]+,?", "");
  }
}
