package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.lm.ModelFixtures;
import dev.iclab.lm.TestModels;
import dev.iclab.tensor.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad models, data and flags across the commands: each fails with one line (no stack trace, no
 * result that looks valid) or, for over-long queries, leaves them out and says so.
 */
class HostileInputTest {
  @TempDir Path dir;

  private static String tinyStories() {
    return TestModels.model("tinystories-656k").toString();
  }

  private static String dataDir() {
    return SharedAssets.require("data").toString();
  }

  /** One error line (plus the --verbose hint), exit 1, and no stack trace. */
  private static void assertOneLineFailure(CliRun run, String... parts) {
    assertEquals(1, run.exitCode(), run.err());
    assertTrue(run.err().startsWith("error: "), run.err());
    assertFalse(run.err().contains("\tat "), run.err());
    for (String part : parts) {
      assertTrue(run.err().contains(part), () -> "'" + part + "' not in: " + run.err());
    }
  }

  /** A tinystories copy whose first MLP overflows float32: every forward gives NaN. */
  private Path overflowingModel() {
    Path copy = ModelFixtures.copy("tinystories-656k", dir.resolve("overflow"));
    ModelFixtures.fillTensor(copy, "model.layers.0.mlp.up_proj.weight", 3e38f);
    return copy;
  }

  private Path taskFile(String rows, String extraKeys) throws IOException {
    Files.writeString(dir.resolve("rows.tsv"), "id\ttext\tlabel\n" + rows);
    Files.writeString(
        dir.resolve("task.yaml"),
        """
        name: toy
        labels: [negative, positive]
        label_words: [bad, good]
        template: "Review: {text} Verdict:"
        fields: {text: text}
        id_column: id
        train: rows.tsv
        eval: rows.tsv
        """
            + extraKeys);
    return dir.resolve("task.yaml");
  }

  private CliRun eval(String model, Path taskFile, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "eval",
                "--model",
                model,
                "--task-file",
                taskFile.toString(),
                "--shots",
                "0",
                "--seeds",
                "1",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void nanWeightStopsEvalAtLoadNamingTheTensor() throws IOException {
    Path copy = ModelFixtures.copy("tinystories-656k", dir.resolve("nan"));
    ModelFixtures.fillTensor(copy, "model.norm.weight", Float.NaN);
    Path task = taskFile("a\tgood film\tpositive\nb\tbad film\tnegative\n", "");
    CliRun run = eval(copy.toString(), task, dir.resolve("out"));
    assertOneLineFailure(run, "'model.norm.weight'", "NaN");
    assertFalse(run.out().contains("accuracy") || run.out().contains("|"), run.out());
  }

  @Test
  void overflowingModelStopsEveryCommandWithoutAResult() throws IOException {
    String model = overflowingModel().toString();
    assertOneLineFailure(
        CliRun.of("generate", "--model", model, "--prompt", "Once upon a time", "--greedy"),
        "generation step 1",
        "numerically broken");
    assertOneLineFailure(
        CliRun.of(
            "score", "--model", model, "--context", "Lily was", "--candidates", " happy", " sad"),
        "NaN");
    assertOneLineFailure(
        CliRun.of("logits", "--model", model, "--prompt", "Once upon a time", "--json"),
        "the last position's logits",
        "numerically broken");
    Path text = dir.resolve("text.txt");
    Files.writeString(text, "Once upon a time there was a little girl named Lily.\n".repeat(4));
    assertOneLineFailure(
        CliRun.of("perplexity", "--model", model, "--data", text.toString()), "window 1");
    Path task = taskFile("a\tgood film\tpositive\nb\tbad film\tnegative\n", "");
    CliRun eval = eval(model, task, dir.resolve("eval"));
    assertOneLineFailure(eval, "NaN");
    assertFalse(eval.out().contains("|"), "no accuracy table: " + eval.out());
    CliRun tune =
        CliRun.of(
            "tune",
            "--model",
            model,
            "--method",
            "lora",
            "--task-file",
            task.toString(),
            "--out",
            dir.resolve("tune").toString());
    assertOneLineFailure(tune, "before any update", "learning rate is not the cause");
    assertFalse(Files.exists(dir.resolve("tune").resolve("tune_summary.json")));
  }

  @Test
  void overlongQueryIsLeftOutCountedAndNoted() throws IOException {
    String longText = "the film was long and slow and dull ".repeat(120); // ~ 960 tokens > 512
    Path task =
        taskFile(
            "a\tgood film\tpositive\nlong\t%s\tnegative\nb\tbad film\tnegative\nc\tfine\tpositive\n"
                .formatted(longText),
            "");
    Path out = dir.resolve("out");
    CliRun run = eval(tinyStories(), task, out, "--skip-bad-rows");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.err().contains("note: 1 of 4 queries left out"), run.err());
    assertTrue(run.out().contains("note: 1 of 4 queries left out"), run.out());
    JsonNode runJson = Json.MAPPER.readTree(out.resolve("run.json").toFile());
    assertEquals("long", runJson.at("/queries_left_out_too_long/0").asText(), runJson.toString());
    assertEquals(3, runJson.get("queries").asInt());
    List<String> samples = Files.readAllLines(out.resolve("samples.jsonl"));
    assertEquals(3, samples.size());
    assertTrue(samples.stream().noneMatch(s -> s.contains("\"id\":\"long\"")), samples.toString());
  }

  @Test
  void mostlyOverlongQueriesRefuseTheRunBeforeWritingIt() throws IOException {
    String longText = "the film was long and slow and dull ".repeat(120);
    Path task =
        taskFile(
            "a\t%s\tpositive\nb\t%s\tnegative\nc\tfine\tpositive\n".formatted(longText, longText),
            "");
    Path out = dir.resolve("out");
    assertOneLineFailure(eval(tinyStories(), task, out), "2 of 3 queries", "context window");
    assertFalse(Files.exists(out.resolve("samples.jsonl")));
  }

  @Test
  void duplicateIdsAreRefusedByEvalAndDaiAlike() throws IOException {
    Path task =
        taskFile(
            "a\tgood film\tpositive\nb\tbad film\tnegative\na\tgreat\tpositive\n"
                + "c\tawful\tnegative\nd\tfine\tpositive\ne\tpoor\tnegative\n",
            "");
    String expected = "line 4: id 'a' (column 'id') repeats the id of line 2";
    assertOneLineFailure(eval(tinyStories(), task, dir.resolve("eval")), expected);
    assertOneLineFailure(
        CliRun.of(
            "dai",
            "--model",
            tinyStories(),
            "--task-file",
            task.toString(),
            "--ft-lr",
            "0.01",
            "--shots",
            "2",
            "--out",
            dir.resolve("dai").toString()),
        expected);
    assertFalse(Files.exists(dir.resolve("dai")));
    Path kept =
        taskFile(
            Files.readString(dir.resolve("rows.tsv")).split("\n", 2)[1],
            "duplicate_ids: keep-first\n");
    Path out = dir.resolve("kept");
    CliRun run = eval(tinyStories(), kept, out);
    assertEquals(0, run.exitCode(), run.err());
    JsonNode runJson = Json.MAPPER.readTree(out.resolve("run.json").toFile());
    assertEquals(1, runJson.at("/datasets/toy~1eval/duplicate_rows").asInt(), runJson.toString());
    assertEquals(5, Files.readAllLines(out.resolve("samples.jsonl")).size());
  }

  @Test
  void generationFlagsThatCannotWork() {
    assertOneLineFailure(
        CliRun.of("generate", "--model", tinyStories(), "--prompt", "Once", "--stop", ""),
        "--stop \"\"");
    // A 16-token window keeps the run short: generation ends when it is full.
    Path shortWindow = ModelFixtures.copy("tinystories-656k", dir.resolve("short"));
    ModelFixtures.editConfig(shortWindow, c -> c.put("max_position_embeddings", 16));
    CliRun huge =
        CliRun.of(
            "generate",
            "--model",
            shortWindow.toString(),
            "--ids",
            "1,2,3",
            "--greedy",
            "--no-eos-stop",
            "--max-new-tokens",
            "2000000000",
            "--json");
    assertEquals(0, huge.exitCode(), huge.err());
    assertEquals("context_full", huge.json().get("stop_reason").asText());
    assertEquals(16 - 3 + 1, huge.json().get("generated_ids").size());
  }

  @Test
  void tokenizerOfAnotherModelIsRefusedBeforeTheEngineIndexesPastTheTable() throws IOException {
    Path copy = ModelFixtures.copy("synthetic/gpt2-tiny", dir.resolve("gpt2"));
    Files.copy(
        TestModels.model("gpt2-tokenizer").resolve("tokenizer.json"),
        copy.resolve("tokenizer.json"));
    assertOneLineFailure(
        CliRun.of(
            "score",
            "--model",
            copy.toString(),
            "--context",
            "The weather today is",
            "--candidates",
            " sunny"),
        "vocabulary has 500 entries",
        "does not belong to this model");
  }

  @Test
  void configValueOfTheWrongTypeIsNamed() throws IOException {
    Path config = dir.resolve("exp.yaml");
    Files.writeString(config, "task: sst2\nlimit: four\n");
    assertOneLineFailure(evalWithConfig(config), "'limit' is \"four\", expected an integer");
  }

  private CliRun evalWithConfig(Path config) {
    return CliRun.of(
        "eval",
        "--config",
        config.toString(),
        "--model",
        tinyStories(),
        "--data-dir",
        dataDir(),
        "--out",
        dir.resolve("out").toString());
  }

  @Test
  void configWithTrailingGarbageIsRefusedNotHalfRead() throws IOException {
    Path config = dir.resolve("exp.json");
    Files.writeString(config, "{\"task\": \"sst2\", \"limit\": 2} trailing");
    CliRun run = evalWithConfig(config);
    assertOneLineFailure(run, "--config " + config, "does not parse");
    assertTrue(run.err().toLowerCase(java.util.Locale.ROOT).contains("trailing"), run.err());
    assertFalse(Files.exists(dir.resolve("out")));
  }

  /** A disk that fills during eval: one line, and --resume completes the run, nothing lost. */
  @Test
  void fullDiskDuringEvalIsOneLineAndTheRunResumes() throws Exception {
    Path out = dir.resolve("full");
    List<String> args =
        new ArrayList<>(
            List.of(
                "eval",
                "--model",
                tinyStories(),
                "--task",
                "sst2",
                "--data-dir",
                dataDir(),
                "--shots",
                "0,2",
                "--seeds",
                "1",
                "--limit",
                "30",
                "--out",
                out.toString()));
    Path log = dir.resolve("full.log");
    // 16 KiB: samples.jsonl (60 lines of ~300 bytes) cannot be written whole.
    assertEquals(1, ChildIclab.start(log, 16, args).waitFor(), Files.readString(log));
    String err = Files.readString(log);
    assertTrue(err.contains("error: cannot write: File too large"), err);
    assertTrue(err.contains("--resume"), err);
    assertFalse(err.contains("\tat ") || err.contains("internal error"), err);
    assertFalse(Files.exists(out.resolve("summary.json")));
    int written = Files.readAllLines(out.resolve("samples.jsonl")).size();
    assertTrue(written > 0 && written < 60, written + " lines before the disk was full");

    args.add("--resume");
    CliRun resumed = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, resumed.exitCode(), resumed.err());
    List<String> keys = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("samples.jsonl"))) {
      JsonNode sample = Json.MAPPER.readTree(line);
      keys.add(sample.get("setting").asText() + "/" + sample.get("id").asText());
    }
    assertEquals(60, keys.size());
    assertEquals(60, keys.stream().distinct().count(), "no sample repeated");
    assertTrue(Files.exists(out.resolve("summary.json")));
  }

  /** A disk that fills while tune checkpoints: one line, and --resume finishes the training. */
  @Test
  void fullDiskDuringTuneIsOneLineAndTheRunResumes() throws Exception {
    Path out = dir.resolve("tune");
    List<String> args =
        new ArrayList<>(
            List.of(
                "tune",
                "--model",
                tinyStories(),
                "--method",
                "lora",
                "--task",
                "sst2",
                "--data-dir",
                dataDir(),
                "--train-limit",
                "16",
                "--save-every",
                "4",
                "--out",
                out.toString()));
    Path log = dir.resolve("tune.log");
    // 24 KiB: a checkpoint (adapter and AdamW moments) is larger.
    assertEquals(1, ChildIclab.start(log, 24, args).waitFor(), Files.readString(log));
    String err = Files.readString(log);
    assertTrue(err.contains("error: cannot write: "), err);
    assertTrue(err.contains("File too large") && err.contains("--resume"), err);
    assertFalse(err.contains("\tat ") || err.contains("internal error"), err);
    assertFalse(Files.exists(out.resolve("adapter_model.safetensors")));
    assertTrue(Files.exists(out.resolve("run.json")), "the run folder stays, to be resumed");

    args.add("--resume");
    CliRun resumed = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertTrue(Files.exists(out.resolve("adapter_model.safetensors")));
    assertTrue(Files.exists(out.resolve("tune_summary.json")));
  }
}
