package dev.iclab.cli;

import static dev.iclab.cli.KilledRun.newestCheckpoint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * iclab tune --save-every / --resume: a run killed with kill -9 and resumed writes the same
 * adapter, byte for byte, and the same losses as a run that never stopped.
 */
class TuneResumeTest {
  private static String model() {
    return TestModels.model("tinystories-656k").toString();
  }

  private static List<String> args(Path data, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "tune",
                "--model",
                model(),
                "--method",
                "lora",
                "--lora-dropout",
                "0.1",
                "--data",
                data.toString(),
                "--lr",
                "1e-3",
                "--epochs",
                "12",
                "--warmup-steps",
                "5",
                "--max-length",
                "16",
                "--save-every",
                "1",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args;
  }

  private static CliRun run(List<String> args) {
    return CliRun.of(args.toArray(String[]::new));
  }

  private static List<Double> losses(Path out) throws IOException {
    List<Double> losses = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      losses.add(Json.MAPPER.readTree(line).get("loss").asDouble());
    }
    return losses;
  }

  private static List<Double> column(Path out, String field) throws IOException {
    List<Double> values = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      values.add(Json.MAPPER.readTree(line).get(field).asDouble());
    }
    return values;
  }

  @Test
  void killedRunResumesToTheSameAdapter(@TempDir Path dir) throws Exception {
    Path data =
        Files.write(
            dir.resolve("train.jsonl"),
            List.of(
                "{\"text\": \"Once upon a time, there was a little girl named Lily.\"}",
                "{\"text\": \"Tom had a red ball. He threw the ball to his dog.\"}",
                "{\"text\": \"One day, a small cat found a box and took a nap.\"}",
                "{\"text\": \"The sun was shining and Ben went to the beach.\"}"));
    Path straight = dir.resolve("straight");
    CliRun a = run(args(data, straight, "--json"));
    assertEquals(0, a.exitCode(), a.err());
    assertEquals(48, a.json().get("steps").asInt());
    assertFalse(Files.exists(straight.resolve("checkpoints")), "removed once the result is in");

    // A real kill -9: a separate JVM is killed once a few checkpoints are on disk.
    Path killed = dir.resolve("killed");
    assertTrue(
        KilledRun.killWhen(
            args(data, killed), dir.resolve("killed.log"), () -> newestCheckpoint(killed), 3),
        "the run was still going when killed");
    int reached = newestCheckpoint(killed);
    assertTrue(reached >= 3 && reached < 48, "killed at step " + reached);
    assertFalse(Files.exists(killed.resolve("tune_summary.json")));
    assertTrue(Files.exists(killed.resolve("run.json")));

    List<String> otherRate = args(data, killed, "--resume");
    otherRate.set(otherRate.indexOf("1e-3"), "2e-3");
    CliRun changed = run(otherRate);
    assertEquals(1, changed.exitCode());
    assertTrue(changed.err().contains("was made with other settings"), changed.err());
    assertTrue(changed.err().contains("lr"), changed.err());

    // a run begun before --recompute existed has no such key in its run.json: it still resumes
    Path runJson = killed.resolve("run.json");
    ObjectNode saved = (ObjectNode) Json.MAPPER.readTree(runJson.toFile());
    ((ObjectNode) saved.path("config").path("training_flags")).remove("recompute");
    Json.MAPPER.writeValue(runJson.toFile(), saved);

    CliRun resumed = run(args(data, killed, "--resume", "--json"));
    assertEquals(0, resumed.exitCode(), resumed.err());
    JsonNode summary = resumed.json();
    assertTrue(summary.get("resumed_at").asInt() >= reached, summary.toString());
    assertEquals(48 - summary.get("resumed_at").asInt(), summary.get("steps").asInt());
    assertArrayEquals(
        Files.readAllBytes(straight.resolve("adapter_model.safetensors")),
        Files.readAllBytes(killed.resolve("adapter_model.safetensors")),
        "bit-identical adapter after kill -9 and --resume");
    assertEquals(losses(straight), losses(killed));
    assertEquals(column(straight, "tokens"), column(killed, "tokens"), "the token count goes on");
    assertEquals(
        summary.get("tokens").asLong(),
        column(straight, "tokens").get(column(straight, "tokens").size() - 1).longValue());

    CliRun again = run(args(data, killed, "--resume"));
    assertEquals(1, again.exitCode());
    assertTrue(again.err().contains("has finished"), again.err());
    CliRun fresh = run(args(data, killed));
    assertEquals(1, fresh.exitCode());
    assertTrue(fresh.err().contains("already holds a finished run"), fresh.err());
  }

  @Test
  void mergingAnAdapterOfAnotherBaseModelFailsAndWritesNothing(@TempDir Path dir)
      throws IOException {
    Path data =
        Files.write(
            dir.resolve("train.jsonl"),
            List.of("{\"text\": \"Once upon a time, there was a little girl named Lily.\"}"));
    Path adapter = dir.resolve("adapter");
    CliRun tune =
        CliRun.of(
            "tune",
            "--model",
            model(),
            "--method",
            "lora",
            "--data",
            data.toString(),
            "--out",
            adapter.toString());
    assertEquals(0, tune.exitCode(), tune.err());
    Path merged = dir.resolve("merged");
    CliRun merge =
        CliRun.of(
            "merge",
            "--model",
            TestModels.model("tiny-gpt2-random").toString(),
            "--adapter",
            adapter.toString(),
            "--out",
            merged.toString());
    assertEquals(1, merge.exitCode());
    String first = merge.err().lines().findFirst().orElse("");
    assertTrue(first.startsWith("error: ") && first.contains(model()), merge.err());
    assertTrue(first.contains("does not fit this model"), merge.err());
    assertFalse(Files.exists(merged));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(2, s.count(), "no temp directory left beside --out");
    }
  }
}
