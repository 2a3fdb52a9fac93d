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
