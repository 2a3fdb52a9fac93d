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

class DaiCommandTest {
  @TempDir Path tmp;

  private static List<String> args(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "dai",
                "--model",
                TestModels.model("tiny-gpt2-random").toString(),
                "--task",
                "sst2",
                "--data-dir",
                SharedAssets.require("data").toString(),
                "--shots",
                "4",
                "--limit",
                "12",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args;
  }

  @Test
  void writesMetricsThatAgreeWithTheSamplesAndAReport() throws IOException {
    Path out = tmp.resolve("run");
    CliRun run = CliRun.of(args(out, "--control", "untrained").toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.err());
    for (String f :
        List.of(
            "run.json",
            "samples.jsonl",
            "metrics.json",
            "report.md",
            "report.html",
            "simaou.png",
            "simam.png")) {
      assertTrue(Files.size(out.resolve(f)) > 0, f);
    }
    JsonNode metrics = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("samples.jsonl"))) {
      lines.add(Json.MAPPER.readTree(line));
    }
    assertEquals(24, lines.size(), "12 queries x (pretrained, untrained)");
    for (String variant : List.of("pretrained", "untrained")) {
      JsonNode all = metrics.path("variants").path(variant).path("all");
      List<JsonNode> mine =
          lines.stream().filter(l -> l.path("setting").asText().equals(variant)).toList();
      assertEquals(12, all.path("examples").asInt());
      long iclRight =
          mine.stream().filter(l -> l.path("icl_pred").asInt() == l.path("label").asInt()).count();
      assertEquals(iclRight / 12.0, all.path("accuracy").path("icl").asDouble(), 1e-12);
      long f2t = mine.stream().filter(l -> l.path("f2t").asBoolean()).count();
      assertEquals(f2t, all.path("rec2ftp").path("and_icl_right").asLong());
      assertEquals(
          f2t, metrics.path("variants").path(variant).path("f2t").path("examples").asLong());
      assertEquals(1, all.path("simaou").path("per_layer").size(), "one layer");
      assertEquals(4, metrics.path("variants").path(variant).path("ft_losses").size());
    }
    String report = Files.readString(out.resolve("report.md"));
    assertTrue(report.contains("untrained control") && report.contains("Rec2FTP"), report);
    JsonNode runJson = Json.MAPPER.readTree(out.resolve("run.json").toFile());
    assertEquals(4, runJson.path("demonstrations").size());
    assertEquals("OPTION0", runJson.path("config").path("position").asText(), "Dai's default");
    assertEquals("MEAN", runJson.path("config").path("answerScore").asText(), "Dai's default");
    assertEquals("option0", metrics.path("position").asText());
    assertEquals("mean", metrics.path("answer_score").asText());
    JsonNode all = metrics.path("variants").path("pretrained").path("all");
    for (String key : List.of("simaou_mismatched_baseline", "simaou_minus_mismatched")) {
      assertEquals(1, all.path(key).path("per_layer").size(), key);
    }
    assertTrue(all.path("rec2ftp").has("permuted_icl_percent"));
    int counted = 0;
    for (JsonNode c : all.path("label_counts").path("icl")) {
      counted += c.asInt();
    }
    assertEquals(12, counted, "ICL's predictions over the labels");
    assertTrue(report.contains("mismatched"), report);
    assertFalse(runJson.path("environment").path("versions").path("djl").asText().isEmpty());
  }

  @Test
  void aResumedRunEqualsAnUninterruptedOne() throws IOException {
    Path whole = tmp.resolve("whole");
    assertEquals(0, CliRun.of(args(whole).toArray(String[]::new)).exitCode());
    Path cut = tmp.resolve("cut");
    assertEquals(0, CliRun.of(args(cut).toArray(String[]::new)).exitCode());
    // simulate a crash after 5 queries: keep 5 lines and a torn sixth
    List<String> lines = Files.readAllLines(cut.resolve("samples.jsonl"));
    Files.writeString(
        cut.resolve("samples.jsonl"),
        String.join("\n", lines.subList(0, 5)) + "\n" + lines.get(5).substring(0, 20));
    Files.delete(cut.resolve("metrics.json"));
    CliRun resumed = CliRun.of(args(cut, "--resume").toArray(String[]::new));
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertEquals(
        Files.readAllLines(whole.resolve("samples.jsonl")),
        Files.readAllLines(cut.resolve("samples.jsonl")));
    JsonNode a = Json.MAPPER.readTree(whole.resolve("metrics.json").toFile()).path("variants");
    JsonNode b = Json.MAPPER.readTree(cut.resolve("metrics.json").toFile()).path("variants");
    assertEquals(a, b);
  }

  @Test
  void badInputFailsWithOneClearLine() {
    Path out = tmp.resolve("bad");
    List<String> shots = args(out);
    shots.set(shots.indexOf("--shots") + 1, "400");
    CliRun overflow = CliRun.of(shots.toArray(String[]::new));
    assertEquals(1, overflow.exitCode());
    assertTrue(overflow.err().contains("--shots 400 does not fit"), overflow.err());
    assertFalse(Files.exists(out.resolve("samples.jsonl")), "nothing written");
    CliRun control = CliRun.of(args(out, "--control", "random").toArray(String[]::new));
    assertEquals(1, control.exitCode());
    assertTrue(control.err().contains("unknown --control 'random'"), control.err());
    CliRun score = CliRun.of(args(out, "--answer-score", "max").toArray(String[]::new));
    assertEquals(1, score.exitCode());
    assertTrue(score.err().contains("unknown --answer-score 'max'"), score.err());
    CliRun nan = CliRun.of(args(out, "--ft-lr", "3e38").toArray(String[]::new));
    assertEquals(1, nan.exitCode());
    assertTrue(nan.err().contains("--ft-lr"), nan.err());
    CliRun noRate =
        CliRun.of(
            "dai",
            "--model",
            TestModels.model("tiny-gpt2-random").toString(),
            "--task-file",
            tmp.resolve("none.yaml").toString(),
            "--out",
            tmp.resolve("x").toString());
    assertEquals(1, noRate.exitCode());
    assertTrue(noRate.err().contains("--ft-lr"), noRate.err());
  }

  @Test
  void resumeRefusesOtherOptions() {
    Path out = tmp.resolve("r");
    assertEquals(0, CliRun.of(args(out).toArray(String[]::new)).exitCode());
    CliRun other = CliRun.of(args(out, "--resume", "--seed", "2").toArray(String[]::new));
    assertEquals(1, other.exitCode());
    assertTrue(other.err().contains("was made with other settings"), other.err());
    CliRun fresh = CliRun.of(args(out).toArray(String[]::new));
    assertEquals(1, fresh.exitCode());
    assertTrue(fresh.err().contains("already holds a finished run"), fresh.err());
  }

  @Test
  void dualFormHoldsToFloatingPointPrecision() {
    CliRun run = CliRun.of("dual-form", "--dim", "8", "--head-dim", "4", "--demo-tokens", "5");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode json = run.json();
    assertTrue(json.path("identity").path("relative_error").asDouble() <= 1e-5);
    assertEquals(
        1.0,
        json.path("gradient_descent").path("linear_loss").path("cosine_with_dW_ICL").asDouble(),
        1e-12);
  }

  /** A tiny lab run that keeps its weights at every evaluation step. */
  static Path emergenceRun(Path run, String arch, int steps, int evalEvery, int evalSize) {
    CliRun trained =
        CliRun.of(
            "emergence",
            "--classes",
            "256",
            "--batch",
            "16",
            "--width",
            "32",
            "--eval-size",
            String.valueOf(evalSize),
            "--steps",
            String.valueOf(steps),
            "--eval-every",
            String.valueOf(evalEvery),
            "--arch",
            arch,
            "--keep-checkpoints",
            "--out",
            run.toString());
    assertEquals(0, trained.exitCode(), trained.err());
    return run;
  }

  private Path emergenceRun(String name, String arch) {
    return emergenceRun(tmp.resolve(name), arch, 4, 2, 16);
  }

  @Test
  void analysesAnEmergenceRunsCheckpoints() throws IOException {
    Path run = emergenceRun("bursty", "transformer");
    Path out = tmp.resolve("dai-lab");
    CliRun dai =
        CliRun.of(
            "dai",
            "--emergence-run",
            run.toString(),
            "--checkpoints",
            "0,4",
            "--episodes",
            "6",
            "--lr-search",
            "0.1,1",
            "--lr-search-dev",
            "3",
            "--out",
            out.toString());
    assertEquals(0, dai.exitCode(), dai.err());
    JsonNode metrics = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
    assertEquals(2, metrics.path("checkpoints").size());
    JsonNode last = metrics.path("checkpoints").get(1);
    assertEquals(4, last.path("step").asInt());
    assertEquals(6, last.path("n_episodes").asInt());
    for (String key :
        List.of(
            "zsl_acc",
            "icl_acc",
            "ft_acc",
            "rec2ftp",
            "n_f2t",
            "simaou",
            "simaou_per_layer",
            "simaou_random",
            "simaou_mismatched",
            "ft_lr")) {
      assertTrue(last.has(key), key);
    }
    assertEquals(12, Files.readAllLines(out.resolve("samples.jsonl")).size());
    assertTrue(dai.out().contains("SimAOU"), dai.out());
    assertTrue(Files.readString(out.resolve("report.md")).contains("Rec2FTP"));
  }

  @Test
  void anLstmRunAndTextOptionsAreRefused() {
    Path lstm = emergenceRun("lstm", "lstm");
    Path out = tmp.resolve("dai-lstm");
    CliRun refused =
        CliRun.of(
            "dai", "--emergence-run", lstm.toString(), "--ft-lr", "0.1", "--out", out.toString());
    assertEquals(1, refused.exitCode());
    assertTrue(
        refused.err().lines().findFirst().orElse("").contains("is an lstm run"), refused.err());
    assertFalse(Files.exists(out), "nothing written");
    CliRun task =
        CliRun.of(
            "dai",
            "--emergence-run",
            lstm.toString(),
            "--task",
            "sst2",
            "--ft-lr",
            "0.1",
            "--out",
            out.toString());
    assertEquals(1, task.exitCode());
    assertTrue(task.err().contains("--task does not apply"), task.err());
    CliRun neither = CliRun.of("dai", "--task", "sst2", "--out", out.toString());
    assertEquals(2, neither.exitCode(), neither.err());
  }
}
