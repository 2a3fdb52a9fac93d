package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.lm.TestModels;
import dev.iclab.run.RunFolder;
import dev.iclab.tensor.SharedAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iclab eval} end to end: determinism, resume, config files, and bad input. */
class EvalCommandTest {
  @TempDir Path dir;

  private static String model() {
    return TestModels.model("tinystories-656k").toString();
  }

  private List<String> args(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "eval",
                "--model",
                model(),
                "--task",
                "sst2",
                "--data-dir",
                SharedAssets.require("data").toString(),
                "--shots",
                "0,2",
                "--seeds",
                "3",
                "--labels",
                "gold,random",
                "--calibrate",
                "none,contextual",
                "--scoring",
                "sum,first-token",
                "--limit",
                "4",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args;
  }

  private static CliRun run(List<String> args) {
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void sameConfigTwiceGivesIdenticalSamplesAndResumeAfterKillEqualsIt() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    CliRun first = run(args(a));
    assertEquals(0, first.exitCode(), first.err());
    assertTrue(
        first.out().contains("| shots=2 select=random order=given labels=random"), first.out());
    CliRun second = run(args(b));
    assertEquals(0, second.exitCode(), second.err());
    String samples = Files.readString(a.resolve("samples.jsonl"));
    assertEquals(samples, Files.readString(b.resolve("samples.jsonl")));
    // 4 queries x (1 zero-shot group + 2 label modes) x 2 scorings x 2 calibrations
    List<String> lines = samples.lines().toList();
    assertEquals(4 * 3 * 4, lines.size());
    JsonNode sample = Json.MAPPER.readTree(lines.get(lines.size() - 1));
    for (String field :
        List.of(
            "id",
            "shots",
            "seed",
            "demo_ids",
            "demo_labels",
            "scores",
            "prediction",
            "gold",
            "correct",
            "n_demos",
            "select",
            "order",
            "labels",
            "scoring",
            "calibrate")) {
      assertTrue(sample.has(field), field + " in " + sample);
    }
    assertEquals(2, sample.get("demo_ids").size());
    assertEquals(2, sample.get("n_demos").asInt());
    JsonNode run = Json.MAPPER.readTree(a.resolve("run.json").toFile());
    assertEquals(64, run.at("/datasets/sst2~1train/sha256").asText().length(), run.toString());
    assertEquals(64, run.at("/model/sha256/model.safetensors").asText().length());

    // A kill -9 in the middle of a write: keep 29 lines and half of the 30th, drop the summaries.
    Path c = dir.resolve("c");
    Files.createDirectories(c);
    Files.copy(a.resolve("run.json"), c.resolve("run.json"));
    String torn = String.join("\n", lines.subList(0, 29)) + "\n" + lines.get(29).substring(0, 50);
    Files.writeString(c.resolve("samples.jsonl"), torn, StandardCharsets.UTF_8);
    CliRun resumed = run(args(c, "--resume"));
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertEquals(samples, Files.readString(c.resolve("samples.jsonl")));
    assertEquals(
        Files.readString(a.resolve("summary.json")), Files.readString(c.resolve("summary.json")));
    // The report: the plots this grid makes meaningful, the same after the resume.
    String report = Files.readString(a.resolve("report.html"));
    for (String png : List.of("accuracy_by_shots.png", "label_variants.png", "calibration.png")) {
      assertTrue(report.contains("<img src=\"" + png + "\""), png + " in " + report);
      assertArrayEquals(
          Files.readAllBytes(a.resolve(png)), Files.readAllBytes(c.resolve(png)), png);
    }
    assertFalse(report.contains("order_spread.png"), "one order, no permutations");
    assertEquals(report, Files.readString(c.resolve("report.html")));

    // A real kill -9: a separate JVM is killed once a few samples are on disk, then resumed here.
    Path d = dir.resolve("d");
    assertTrue(
        KilledRun.killWhen(
            args(d), dir.resolve("killed.log"), () -> linesOrZero(d.resolve("samples.jsonl")), 4),
        "the run was still going when killed");
    int before = lineCount(d.resolve("samples.jsonl"));
    assertTrue(before >= 4 && before < lines.size(), before + " lines before the kill");
    CliRun afterKill = run(args(d, "--resume"));
    assertEquals(0, afterKill.exitCode(), afterKill.err());
    assertEquals(samples, Files.readString(d.resolve("samples.jsonl")));

    CliRun again = run(args(a));
    assertEquals(1, again.exitCode());
    assertTrue(again.err().contains("already holds a finished run; pass --resume"), again.err());
    CliRun changed = run(args(c, "--resume", "--eval-cap", "100"));
    assertEquals(1, changed.exitCode());
    assertTrue(changed.err().contains("was made with other settings (config.eval"), changed.err());
  }

  private static int linesOrZero(Path file) {
    try {
      return lineCount(file);
    } catch (IOException e) {
      return 0; // the file changed under us; try again
    }
  }

  private static int lineCount(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    int lines = 0;
    for (byte b : Files.readAllBytes(file)) {
      lines += b == '\n' ? 1 : 0;
    }
    return lines;
  }

  @Test
  void configFileWithFlagsOverridingIt() throws IOException {
    Path config = dir.resolve("exp.yaml");
    Files.writeString(
        config,
        "model: %s\ntask: sst2\ndata_dir: %s\nshots: [1]\nseeds: [7, 8]\nlimit: 2\nout: %s\n"
            .formatted(model(), SharedAssets.require("data"), dir.resolve("from-config")));
    CliRun run = CliRun.of("eval", "--config", config.toString(), "--seeds", "5");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode saved = Json.MAPPER.readTree(dir.resolve("from-config/run.json").toFile());
    assertEquals("[5]", saved.at("/config/seeds").toString());
    assertEquals("[1]", saved.at("/config/shots").toString());
    assertEquals(2, Files.readAllLines(dir.resolve("from-config/samples.jsonl")).size());
  }

  @Test
  void permutationsAndGlobalEOrders() throws IOException {
    Path out = dir.resolve("orders");
    CliRun run =
        CliRun.of(
            "eval",
            "--model",
            model(),
            "--task",
            "sst2",
            "--data-dir",
            SharedAssets.require("data").toString(),
            "--shots",
            "2",
            "--seeds",
            "4",
            "--order",
            "permutations,globale",
            "--limit",
            "3",
            "--out",
            out.toString());
    assertEquals(0, run.exitCode(), run.err());
    List<JsonNode> samples = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("samples.jsonl"))) {
      samples.add(Json.MAPPER.readTree(line));
    }
    // 2 demos: 2 permutations x 3 queries, and GlobalE keeps both of its 2 candidate orders.
    assertEquals(12, samples.size());
    List<JsonNode> permuted =
        samples.stream().filter(s -> s.get("order").asText().equals("permutations")).toList();
    assertEquals("[0,1]", permuted.get(0).get("perm").toString());
    assertEquals("[1,0]", permuted.get(3).get("perm").toString());
    assertEquals(
        permuted.get(0).get("demo_ids").get(0), permuted.get(3).get("demo_ids").get(1), "swapped");
    List<JsonNode> ranked =
        samples.stream().filter(s -> s.get("order").asText().equals("globale")).toList();
    double best = ranked.get(0).get("order_globale").asDouble();
    double second = ranked.get(3).get("order_globale").asDouble();
    assertTrue(best >= second && second >= 0 && best <= Math.log(2) + 1e-12, best + " " + second);
    // The summary's spread is over the orders: min/max of the per-order accuracies.
    double[] accuracy = new double[2];
    for (int i = 0; i < 6; i++) {
      accuracy[i / 3] += permuted.get(i).get("correct").asBoolean() ? 1 / 3.0 : 0;
    }
    JsonNode row = Json.MAPPER.readTree(out.resolve("summary.json").toFile()).at("/rows/0");
    assertEquals(2, row.get("runs").asInt());
    assertEquals(Math.min(accuracy[0], accuracy[1]), row.get("accuracy_min").asDouble(), 1e-9);
    assertEquals(Math.max(accuracy[0], accuracy[1]), row.get("accuracy_max").asDouble(), 1e-9);
  }

  private static List<JsonNode> samples(Path out) throws IOException {
    List<JsonNode> samples = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("samples.jsonl"))) {
      samples.add(Json.MAPPER.readTree(line));
    }
    return samples;
  }

  @Test
  void globalEAndLocalEOnATwoSlotTask() throws IOException {
    Path out = dir.resolve("cb");
    CliRun run =
        CliRun.of(
            "eval",
            "--model",
            model(),
            "--task",
            "cb",
            "--data-dir",
            SharedAssets.require("data").toString(),
            "--shots",
            "3",
            "--seeds",
            "2",
            "--order",
            "globale,locale",
            "--limit",
            "2",
            "--out",
            out.toString());
    assertEquals(0, run.exitCode(), run.err());
    List<JsonNode> samples = samples(out);
    // 3 demos: 3! = 6 candidate orders ranked on 6 sampled (premise, hypothesis) probes, the best
    // 4 evaluated on 2 queries, for each statistic.
    assertEquals(2 * 4 * 2, samples.size());
    for (String order : List.of("globale", "locale")) {
      List<JsonNode> ranked =
          samples.stream().filter(s -> s.get("order").asText().equals(order)).toList();
      assertEquals(8, ranked.size());
      java.util.Set<String> perms = new java.util.HashSet<>();
      double previous = Double.POSITIVE_INFINITY;
      for (int i = 0; i < ranked.size(); i += 2) {
        perms.add(ranked.get(i).get("perm").toString());
        double statistic = ranked.get(i).get("order_" + order).asDouble();
        assertTrue(statistic <= previous + 1e-12, order + " best first");
        assertTrue(statistic >= 0 && statistic <= Math.log(3) + 1e-12, order + " " + statistic);
        previous = statistic;
      }
      assertEquals(4, perms.size(), order + ": four distinct orders " + perms);
    }
  }

  @Test
  void similarityOrderPutsTheMostSimilarDemonstrationLast() throws IOException {
    List<String> train =
        List.of(
            "the stock market fell sharply",
            "a wonderful and moving film",
            "rain is expected tomorrow",
            "an excellent , touching movie");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < train.size(); i++) {
      rows.append(train.get(i)).append(i % 2 == 0 ? "\tneg\n" : "\tpos\n");
    }
    Path task =
        taskFile("[Sad, Happy]", rows.toString(), "a great film\tpos\nshares dropped today\tneg\n");
    Path out = dir.resolve("similarity");
    String previous = System.getProperty("iclab.cacheDir");
    System.setProperty("iclab.cacheDir", dir.resolve("cache").toString());
    try {
      CliRun run =
          CliRun.of(
              "eval",
              "--model",
              model(),
              "--task-file",
              task.toString(),
              "--shots",
              "4",
              "--seeds",
              "1",
              "--order",
              "similarity",
              "--out",
              out.toString());
      assertEquals(0, run.exitCode(), run.err());
    } finally {
      if (previous == null) {
        System.clearProperty("iclab.cacheDir");
      } else {
        System.setProperty("iclab.cacheDir", previous);
      }
    }
    assertTrue(Files.list(dir.resolve("cache/embeddings")).findAny().isPresent(), "cached");
    var encoder = new dev.iclab.icl.embed.MiniLmEncoder();
    List<JsonNode> samples = samples(out);
    assertEquals(2, samples.size());
    List<String> lastDemo = new ArrayList<>();
    for (JsonNode sample : samples) {
      String query =
          sample.get("id").asText().equals("0") ? "a great film" : "shares dropped today";
      float[] q = encoder.embed(List.of(query))[0];
      double before = -2;
      for (JsonNode id : sample.get("demo_ids")) {
        String text = train.get(id.asInt());
        double cosine = dev.iclab.icl.embed.Knn.cosine(encoder.embed(List.of(text))[0], q);
        assertTrue(cosine >= before - 1e-6, "ascending similarity in " + sample.get("demo_ids"));
        before = cosine;
      }
      lastDemo.add(train.get(sample.get("demo_ids").get(3).asInt()));
    }
    assertTrue(
        lastDemo.contains("an excellent , touching movie")
            || lastDemo.contains("a wonderful and moving film"),
        lastDemo.toString());
    assertTrue(lastDemo.contains("the stock market fell sharply"), lastDemo.toString());
  }

  @Test
  void batchedScoresEqualOneQueryAtATime() throws IOException {
    Path one = dir.resolve("batch1");
    Path three = dir.resolve("batch3");
    for (Path out : List.of(one, three)) {
      // random: packed over one shared prefix; bm25: a prompt per query, left-padded batches
      List<String> args =
          args(out, "--batch-size", out == one ? "1" : "3", "--select", "random,bm25");
      args.set(args.indexOf("--limit") + 1, "5");
      CliRun run = run(args);
      assertEquals(0, run.exitCode(), run.err());
    }
    List<JsonNode> a = samples(one);
    List<JsonNode> b = samples(three);
    assertEquals(
        5 * 5 * 4, a.size()); // queries x groups (zero-shot, 2 selections x 2 labels) x settings
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).get("setting"), b.get(i).get("setting"));
      assertEquals(a.get(i).get("id"), b.get(i).get("id"));
      assertEquals(a.get(i).get("demo_ids"), b.get(i).get("demo_ids"));
      for (String word : List.of("Negative", "Positive")) {
        assertEquals(
            a.get(i).at("/scores/" + word).asDouble(),
            b.get(i).at("/scores/" + word).asDouble(),
            1e-4,
            a.get(i).toString());
        if (a.get(i).has("calibrated")) {
          assertEquals(
              a.get(i).at("/calibrated/" + word).asDouble(),
              b.get(i).at("/calibrated/" + word).asDouble(),
              1e-4);
        }
      }
    }
  }

  private Path taskFile(String labelWords, String trainRows, String evalRows) throws IOException {
    Files.writeString(dir.resolve("train.tsv"), "text\tlabel\n" + trainRows);
    Files.writeString(dir.resolve("eval.tsv"), "text\tlabel\n" + evalRows);
    Path task = dir.resolve("task.yaml");
    Files.writeString(
        task,
        "name: tiny\nlabels: [neg, pos]\nlabel_words: %s\ntemplate: 'Story: {text} Mood:'\n"
                .formatted(labelWords)
            + "fields: {text: text}\ntrain: train.tsv\neval: eval.tsv\n");
    return task;
  }

  private void assertFailsCleanly(String expected, String... flags) {
    Path out = dir.resolve("out");
    List<String> args =
        new ArrayList<>(List.of("eval", "--model", model(), "--out", out.toString()));
    args.addAll(List.of(flags));
    if (!args.contains("--shots")) {
      args.addAll(List.of("--shots", "1"));
    }
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertEquals(1, run.exitCode(), run.err());
    assertTrue(run.err().contains(expected), run.err());
    assertTrue(run.err().startsWith("error: "), run.err());
    assertFalse(Files.exists(out), "nothing written for: " + expected);
  }

  /** Another run writing the folder: refused with one line, and its files are left alone. */
  @Test
  void aFolderBeingWrittenIsRefused() throws IOException {
    Path out = dir.resolve("busy");
    var identity = Json.object();
    identity.putObject("config").put("other", "run");
    try (RunFolder other =
        RunFolder.open(out, false, identity, RunFolder.Kind.finishedBy("summary.json"))) {
      other.writeJson("run.json", identity);
      CliRun run = run(args(out));
      assertEquals(1, run.exitCode(), run.err());
      assertTrue(run.err().startsWith("error: "), run.err());
      assertTrue(run.err().contains("is being written by another iclab run"), run.err());
      run = run(args(out, "--resume"));
      assertTrue(run.err().contains("is being written by another iclab run"), run.err());
      assertEquals(
          identity, Json.MAPPER.readTree(out.resolve("run.json").toFile()), "left as it was");
    }
  }

  @Test
  void badInputFailsWithExitOneAndWritesNothing() throws IOException {
    assertFailsCleanly("unknown task 'sst3'", "--task", "sst3");
    String rows = "happy day\tpos\nsad day\tneg\n";
    Path task = taskFile("[Sad]", rows, rows);
    assertFailsCleanly("2 labels [neg, pos] but 1 label words", "--task-file", task.toString());
    task = taskFile("[Sad, Happy]", rows + "no label\n", rows);
    assertFailsCleanly(
        "train.tsv line 4: field 'label' (label) is missing", "--task-file", task.toString());
    task = taskFile("[Sad, Happy]", rows + "odd day\tmaybe\n", rows);
    assertFailsCleanly(
        "train.tsv line 4: field 'label' has unknown label 'maybe'",
        "--task-file",
        task.toString());
    Files.writeString(
        dir.resolve("no-words.yaml"),
        "name: tiny\nlabels: [neg, pos]\ntemplate: 'Story: {text} Mood:'\n"
            + "fields: {text: text}\ntrain: train.tsv\neval: eval.tsv\n");
    assertFailsCleanly(
        "'label_words' must be a non-empty list",
        "--task-file",
        dir.resolve("no-words.yaml").toString());
    task = taskFile("[Sad, Happy]", rows, rows);
    assertFailsCleanly(
        "--batch-size must be >= 1", "--task-file", task.toString(), "--batch-size", "0");
    assertFailsCleanly(
        "--shots 3 exceeds the training pool of 2", "--task-file", task.toString(), "--shots", "3");
    task = taskFile("[Sad, Happy]", rows, "");
    assertFailsCleanly("evaluation set of task tiny is empty", "--task-file", task.toString());
    Files.writeString(dir.resolve("broken.yaml"), "name: [unclosed\n");
    assertFailsCleanly("does not parse", "--task-file", dir.resolve("broken.yaml").toString());
  }

  @Test
  void skipBadRowsContinues() throws IOException {
    Path task =
        taskFile("[Sad, Happy]", "happy day\tpos\nsad day\tneg\nodd\tmaybe\n", "fine\tpos\n");
    Path out = dir.resolve("skip");
    CliRun run =
        CliRun.of(
            "eval",
            "--model",
            model(),
            "--task-file",
            task.toString(),
            "--shots",
            "2",
            "--seeds",
            "1",
            "--skip-bad-rows",
            "--out",
            out.toString());
    assertEquals(0, run.exitCode(), run.err());
    JsonNode saved = Json.MAPPER.readTree(out.resolve("run.json").toFile());
    assertEquals(1, saved.at("/datasets/tiny~1train/skipped_rows").asInt(), saved.toString());
  }
}
