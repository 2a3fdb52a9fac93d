package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.lm.TestModels;
import dev.iclab.run.RunLock;
import dev.iclab.tensor.SharedAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code iclab sweep} on the local engine: cells equal the command run alone, a bad cell fails
 * alone, a killed sweep resumes to the same files, a second sweep on the folder refuses, and the
 * Slurm script's array task reproduces its cell.
 */
class SweepCommandTest {
  @TempDir Path dir;

  /** A 4-cell eval grid: shots x seeds on the TinyStories model, a few queries. */
  static String evalGrid(int limit) {
    return """
        command: eval
        base:
          model: %s
          task: sst2
          data_dir: %s
          limit: %d
          scoring: [sum, first-token]
        grid:
          shots: [0, 2]
          seeds: [1, 2]
        """
        .formatted(TestModels.model("tinystories-656k"), SharedAssets.require("data"), limit);
  }

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  static List<JsonNode> lines(Path sweepJsonl) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(sweepJsonl)) {
      lines.add(Json.MAPPER.readTree(line));
    }
    return lines;
  }

  /** The eval flags of a cell's values: base plus values. */
  private static List<String> evalAlone(JsonNode values, Path out) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "eval",
                "--model",
                TestModels.model("tinystories-656k").toString(),
                "--task",
                "sst2",
                "--data-dir",
                SharedAssets.require("data").toString(),
                "--limit",
                "4",
                "--scoring",
                "sum,first-token"));
    values
        .fields()
        .forEachRemaining(e -> args.addAll(List.of("--" + e.getKey(), e.getValue().asText())));
    args.addAll(List.of("--out", out.toString()));
    return args;
  }

  @Test
  void everyCellEqualsTheCommandAloneAndTheReportPlotsThem() throws Exception {
    Path grid = write("grid.yaml", evalGrid(4));
    Path out = dir.resolve("sweep");
    CliRun run = CliRun.of("sweep", grid.toString(), "--out", out.toString());
    assertEquals(0, run.exitCode(), run.err() + run.out());
    List<JsonNode> cells = lines(out.resolve("sweep.jsonl"));
    assertEquals(4, cells.size());
    for (int k = 0; k < 4; k++) {
      JsonNode cell = cells.get(k);
      assertEquals(k, cell.path("index").asInt());
      assertEquals("finished", cell.path("status").asText(), cell.toString());
      assertTrue(cell.path("metrics").size() > 0, cell.toString());
      Path alone = dir.resolve("alone-" + k);
      CliRun eval = CliRun.of(evalAlone(cell.path("values"), alone).toArray(String[]::new));
      assertEquals(0, eval.exitCode(), eval.err());
      Path cellFolder = out.resolve("cells").resolve(cell.path("id").asText());
      assertArrayEquals(
          Files.readAllBytes(alone.resolve("samples.jsonl")),
          Files.readAllBytes(cellFolder.resolve("samples.jsonl")),
          "cell " + k);
    }
    assertEquals(
        List.of(0, 0, 2, 2),
        cells.stream().map(c -> c.path("values").path("shots").asInt()).toList());
    String report = Files.readString(out.resolve("report.html"));
    assertTrue(report.contains("<img src=\"accuracy-1.png\""), report);
    assertTrue(Files.size(out.resolve("accuracy-1.png")) > 1000);
  }

  @Test
  void aBadCellFailsAloneAndResumeRerunsOnlyIt() throws Exception {
    Path grid =
        write(
            "bad.yaml",
            """
            command: eval
            base: {model: %s, data_dir: %s, limit: 2, shots: 0, seeds: 1}
            grid: {task: [sst2, no-such-task]}
            """
                .formatted(TestModels.model("tinystories-656k"), SharedAssets.require("data")));
    Path out = dir.resolve("sweep");
    CliRun run = CliRun.of("sweep", grid.toString(), "--out", out.toString());
    assertEquals(1, run.exitCode(), run.err());
    assertTrue(run.err().contains("1 of 2 cells failed"), run.err());
    List<JsonNode> cells = lines(out.resolve("sweep.jsonl"));
    assertEquals("finished", cells.get(0).path("status").asText());
    assertEquals("failed", cells.get(1).path("status").asText());
    String error = cells.get(1).path("error").asText();
    assertTrue(error.contains("no-such-task") && !error.contains("\n"), error);
    Path samples =
        out.resolve("cells").resolve(cells.get(0).path("id").asText()).resolve("samples.jsonl");
    Files.setLastModifiedTime(samples, FileTime.fromMillis(1_000_000_000L));

    CliRun again = CliRun.of("sweep", grid.toString(), "--out", out.toString());
    assertEquals(1, again.exitCode());
    assertTrue(again.err().contains("--resume"), again.err());
    CliRun resumed = CliRun.of("sweep", grid.toString(), "--out", out.toString(), "--resume");
    assertEquals(1, resumed.exitCode(), resumed.err());
    assertTrue(resumed.err().contains("1 finished before, 1 to run"), resumed.err());
    assertEquals(1_000_000_000L, Files.getLastModifiedTime(samples).toMillis());
  }

  @Test
  @SuppressWarnings("try") // the lock is held, not used
  void aSecondSweepOnTheSameFolderRefuses() throws Exception {
    Path grid = write("grid.yaml", evalGrid(2));
    Path out = dir.resolve("sweep");
    try (RunLock held = RunLock.acquire(out)) {
      CliRun run = CliRun.of("sweep", grid.toString(), "--out", out.toString());
      assertEquals(1, run.exitCode());
      assertTrue(run.err().contains("being written by another iclab run"), run.err());
    }
    assertTrue(Files.notExists(out.resolve("cells")));
  }

  @Test
  void badGridFilesFailWithOneLine() throws Exception {
    Map<String, String> cases = new HashMap<>();
    cases.put("command: pretrain\ngrid: {shots: [0]}\n", "not one a sweep runs");
    cases.put("command: eval\ngrid: {shots: []}\n", "non-empty list");
    cases.put(
        "command: eval\nbase: {shots: 1}\ngrid: {shots: [0]}\n", "both in `base` and in `grid`");
    cases.put("command: eval\nbase: {out: x}\ngrid: {shots: [0]}\n", "set by the sweep");
    Path good = write("good.yaml", evalGrid(2));
    CliRun spark =
        CliRun.of(
            "sweep", good.toString(), "--out", dir.resolve("o").toString(), "--engine", "spark");
    assertTrue(spark.err().contains("module iclab-sweep-spark"), spark.err());
    CliRun master =
        CliRun.of(
            "sweep", good.toString(), "--out", dir.resolve("o").toString(), "--master", "local[2]");
    assertTrue(master.err().contains("a master is for --engine spark"), master.err());
    assertTrue(Files.notExists(dir.resolve("o")));
    for (var c : cases.entrySet()) {
      Path grid = write("g.yaml", c.getKey());
      CliRun run = CliRun.of("sweep", grid.toString(), "--out", dir.resolve("o").toString());
      assertEquals(1, run.exitCode(), c.getKey());
      assertTrue(run.err().startsWith("error: ") && run.err().contains(c.getValue()), run.err());
    }
  }

  @Test
  void aKilledSweepResumesToTheFilesOfAnUninterruptedOne() throws Exception {
    Path grid = write("grid.yaml", evalGrid(8));
    Path whole = dir.resolve("whole");
    assertEquals(0, CliRun.of("sweep", grid.toString(), "--out", whole.toString()).exitCode());

    Path out = dir.resolve("killed");
    boolean killed =
        KilledRun.killWhen(
            List.of("sweep", grid.toString(), "--out", out.toString()),
            dir.resolve("child.log"),
            () -> finishedCells(out),
            1);
    assertTrue(killed, "the sweep finished before it could be killed");
    int before = finishedCells(out);
    assertTrue(before >= 1 && before < 4, "finished before the kill: " + before);
    CliRun resumed = CliRun.of("sweep", grid.toString(), "--out", out.toString(), "--resume");
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertTrue(
        resumed.err().contains(before + " finished before, " + (4 - before) + " to run"),
        resumed.err());
    assertEquals(files(whole.resolve("cells")), files(out.resolve("cells")));
  }

  @Test
  void theSlurmScriptNamesEveryCellAndItsArrayTaskReproducesItsCell() throws Exception {
    Path grid = write("grid.yaml", evalGrid(4));
    Path out = dir.resolve("slurm");
    CliRun emit = CliRun.of("sweep", grid.toString(), "--out", out.toString(), "--emit", "slurm");
    assertEquals(0, emit.exitCode(), emit.err());
    Path script = out.resolve("sweep.sbatch");
    String text = Files.readString(script);
    assertTrue(text.contains("#SBATCH --array=0-3\n"), text);
    assertEquals(0, new ProcessBuilder("bash", "-n", script.toString()).start().waitFor());

    // The array task's command, as bash runs it: a stand-in `iclab` on PATH records its arguments.
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path argsFile = dir.resolve("args.txt");
    Path fake = bin.resolve("iclab");
    Files.writeString(fake, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > " + argsFile + "\n");
    fake.toFile().setExecutable(true);
    ProcessBuilder task = new ProcessBuilder("bash", script.toString()).inheritIO();
    task.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    task.environment().put("SLURM_ARRAY_TASK_ID", "2");
    task.environment().remove("ICLAB_LAUNCHER");
    assertEquals(0, task.start().waitFor());
    List<String> args = Files.readAllLines(argsFile);
    assertEquals(
        List.of(
            "sweep",
            grid.toAbsolutePath().toString(),
            "--out",
            out.toAbsolutePath().toString(),
            "--cell",
            "2"),
        args);

    CliRun cell = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, cell.exitCode(), cell.err());
    JsonNode result = Json.MAPPER.readTree(cell.out());
    assertEquals(2, result.path("index").asInt());
    Path alone = dir.resolve("alone");
    assertEquals(
        0, CliRun.of(evalAlone(result.path("values"), alone).toArray(String[]::new)).exitCode());
    assertArrayEquals(
        Files.readAllBytes(alone.resolve("samples.jsonl")),
        Files.readAllBytes(
            out.resolve("cells").resolve(result.path("id").asText()).resolve("samples.jsonl")));
    // After the array: --resume gathers, running only what is missing.
    CliRun gather = CliRun.of("sweep", grid.toString(), "--out", out.toString(), "--resume");
    assertEquals(0, gather.exitCode(), gather.err());
    assertTrue(gather.err().contains("1 finished before, 3 to run"), gather.err());
    assertEquals(4, lines(out.resolve("sweep.jsonl")).size());
  }

  @Test
  void anEmergenceGridPutsTheCellsCurvesSideBySide() throws Exception {
    Path grid =
        write(
            "emergence.yaml",
            """
            command: emergence
            base: {classes: 512, batch: 16, width: 32, steps: 4, eval_every: 2, eval_size: 32}
            grid: {p_bursty: [0, 0.9]}
            """);
    Path out = dir.resolve("sweep");
    CliRun run = CliRun.of("sweep", grid.toString(), "--out", out.toString());
    assertEquals(0, run.exitCode(), run.err());
    List<JsonNode> cells = lines(out.resolve("sweep.jsonl"));
    assertEquals(2, cells.size());
    for (JsonNode cell : cells) {
      assertEquals("finished", cell.path("status").asText(), cell.toString());
      assertTrue(cell.path("metrics").size() > 0, cell.toString());
      JsonNode runJson =
          Json.MAPPER.readTree(
              out.resolve("cells").resolve(cell.path("id").asText()).resolve("run.json").toFile());
      assertEquals("done", runJson.path("status").asText());
    }
    String report = Files.readString(out.resolve("report.html"));
    for (JsonNode cell : cells) {
      assertTrue(report.contains("<img src=\"cells/" + cell.path("id").asText() + "/"), report);
    }
  }

  /** Cells whose end is recorded: their cells/ID.json. */
  static int finishedCells(Path out) {
    Path cells = out.resolve("cells");
    if (!Files.isDirectory(cells)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(cells)) {
      return (int) s.filter(p -> p.toString().endsWith(".json")).count();
    } catch (IOException e) {
      return 0;
    }
  }

  /** Samples and summaries of every cell, by relative path. */
  static Map<String, String> files(Path cells) throws IOException {
    Map<String, String> files = new HashMap<>();
    try (Stream<Path> s = Files.walk(cells)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        String name = p.getFileName().toString();
        if (name.equals("samples.jsonl") || name.startsWith("summary.")) {
          files.put(cells.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8));
        }
      }
    }
    return files;
  }
}
