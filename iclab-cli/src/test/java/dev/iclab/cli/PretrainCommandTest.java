package dev.iclab.cli;

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
}
