package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.lm.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** iclab tune and iclab merge end to end on TinyStories. */
class TuneCommandsTest {
  private static String model() {
    return TestModels.model("tinystories-656k").toString();
  }

  private static Path data(Path dir) throws IOException {
    return Files.write(
        dir.resolve("train.jsonl"),
        List.of(
            "{\"text\": \"Once upon a time, there was a little girl named Lily.\"}",
            "{\"text\": \"Tom had a red ball. He threw the ball to his dog.\"}",
            "{\"text\": \"One day, a small cat found a box and took a nap.\"}"));
  }

  @Test
  void loraTuneThenMergeWritesLoadableOutputs(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("run");
    CliRun run =
        CliRun.of(
            "tune",
            "--model",
            model(),
            "--method",
            "lora",
            "--data",
            data(dir).toString(),
            "--lr",
            "1e-2",
            "--epochs",
            "3",
            "--lora-r",
            "4",
            "--max-length",
            "8",
            "--out",
            out.toString(),
            "--json");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode summary = run.json();
    assertTrue(
        summary.get("last_loss").asDouble() < summary.get("first_loss").asDouble(),
        summary.toString());
    assertEquals(3, summary.get("truncated").asInt());
    assertTrue(run.err().contains("truncated"), run.err());
    assertTrue(Files.exists(out.resolve("adapter_config.json")));
    assertTrue(Files.exists(out.resolve("adapter_model.safetensors")));
    assertEquals(9, Files.readAllLines(out.resolve("metrics.jsonl")).size());

    Path merged = dir.resolve("merged");
    CliRun merge =
        CliRun.of(
            "merge", "--model", model(), "--adapter", out.toString(), "--out", merged.toString());
    assertEquals(0, merge.exitCode(), merge.err());
    CliRun ppl =
        CliRun.of(
            "perplexity", "--model", merged.toString(), "--data", data(dir).toString(), "--json");
    assertEquals(0, ppl.exitCode(), ppl.err());
  }

  /**
   * QLoRA trained with and without recomputing layers (no dropout) takes the same steps: the
   * metrics' losses agree; a bad mode is refused naming the flag.
   */
  @Test
  void qloraWithRecomputedLayersFollowsThePlainRun(@TempDir Path dir) throws IOException {
    String train = data(dir).toString();
    double[][] losses = new double[2][];
    String[] modes = {"none", "layers"};
    for (int m = 0; m < 2; m++) {
      Path out = dir.resolve("run-" + modes[m]);
      CliRun run =
          CliRun.of(
              "tune",
              "--model",
              model(),
              "--method",
              "qlora",
              "--data",
              train,
              "--lr",
              "1e-2",
              "--lora-r",
              "4",
              "--lora-dropout",
              "0",
              "--recompute",
              modes[m],
              "--out",
              out.toString());
      assertEquals(0, run.exitCode(), run.err());
      List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
      losses[m] = new double[lines.size()];
      for (int i = 0; i < lines.size(); i++) {
        losses[m][i] = Json.MAPPER.readTree(lines.get(i)).get("loss").asDouble();
      }
    }
    assertEquals(3, losses[0].length);
    for (int i = 0; i < losses[0].length; i++) {
      assertEquals(losses[0][i], losses[1][i], 1e-5 * Math.abs(losses[0][i]), "step " + i);
    }
    CliRun bad =
        CliRun.of(
            "tune",
            "--model",
            model(),
            "--method",
            "qlora",
            "--data",
            train,
            "--recompute",
            "sometimes",
            "--out",
            dir.resolve("bad").toString());
    assertEquals(1, bad.exitCode(), bad.err());
    assertTrue(bad.err().contains("--recompute must be none or layers"), bad.err());
    assertFalse(Files.exists(dir.resolve("bad")));
  }

  @Test
  void badInputFailsWithExitOneAndWritesNothing(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("run");
    String train = data(dir).toString();
    CliRun unknown =
        CliRun.of(
            "tune",
            "--model",
            model(),
            "--method",
            "lora",
            "--target",
            "c_attn",
            "--data",
            train,
            "--out",
            out.toString());
    assertEquals(1, unknown.exitCode());
    assertTrue(unknown.err().contains("q_proj"), unknown.err());
    assertFalse(Files.exists(out));
    try (var siblings = Files.list(dir)) {
      assertEquals(1, siblings.count(), "no temp directory left behind");
    }
    CliRun kv =
        CliRun.of(
            "tune",
            "--model",
            model(),
            "--method",
            "kv",
            "--optimizer",
            "adamw",
            "--data",
            train,
            "--out",
            out.toString());
    assertEquals(1, kv.exitCode());
    assertTrue(kv.err().contains("plain SGD"), kv.err());
    CliRun rank =
        CliRun.of(
            "tune",
            "--model",
            model(),
            "--method",
            "lora",
            "--lora-r",
            "0",
            "--data",
            train,
            "--out",
            out.toString());
    assertEquals(1, rank.exitCode());
    assertTrue(rank.err().contains("--lora-r"), rank.err());
    Files.writeString(dir.resolve("empty.jsonl"), "\n");
    CliRun empty =
        CliRun.of(
            "tune",
            "--model",
            model(),
            "--method",
            "full",
            "--data",
            dir.resolve("empty.jsonl").toString(),
            "--out",
            out.toString());
    assertEquals(1, empty.exitCode());
    assertFalse(Files.exists(out));
  }
}
