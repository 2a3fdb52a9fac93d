package dev.iclab.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.cli.IclabCommand;
import dev.iclab.lm.TestModels;
import dev.iclab.tensor.SharedAssets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code iclab sweep --engine spark --master local[2]}: cells equal {@code iclab eval} alone, a bad
 * cell fails alone, and a driver killed with SIGKILL resumes to the files of an uninterrupted
 * sweep.
 */
class SparkSweepTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** The exit code and streams of {@code iclab args} run in this JVM. */
  record Run(int code, String out, String err) {
    static Run of(String... args) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code =
          IclabCommand.run(
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8),
              args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  static String model() {
    return TestModels.model("tinystories-656k").toString();
  }

  /** A grid of shots x seeds on the TinyStories model. */
  static String evalGrid(int limit, String shots) {
    return """
        command: eval
        base: {model: %s, task: sst2, data_dir: %s, limit: %d}
        grid: {shots: [%s], seeds: [1, 2]}
        """
        .formatted(model(), SharedAssets.require("data"), limit, shots);
  }

  static List<JsonNode> lines(Path file) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  static Path cellFolder(Path out, JsonNode line) {
    return out.resolve("cells").resolve(line.path("id").asText());
  }

  @Test
  void fourCellsOnLocalSparkEqualEvalAlone() throws Exception {
    Path grid = Files.writeString(dir.resolve("grid.yaml"), evalGrid(4, "0, 2"));
    Path out = dir.resolve("sweep");
    Run run =
        Run.of(
            "sweep",
            grid.toString(),
            "--out",
            out.toString(),
            "--engine",
            "spark",
            "--master",
            "local[2]");
    assertEquals(0, run.code(), run.err() + run.out());
    List<JsonNode> cells = lines(out.resolve("sweep.jsonl"));
    assertEquals(4, cells.size());
    for (JsonNode cell : cells) {
      assertEquals("finished", cell.path("status").asText(), cell.toString());
      Path alone = dir.resolve("alone-" + cell.path("index").asInt());
      Run eval =
          Run.of(
              "eval",
              "--model",
              model(),
              "--task",
              "sst2",
              "--data-dir",
              SharedAssets.require("data").toString(),
              "--limit",
              "4",
              "--shots",
              cell.path("values").path("shots").asText(),
              "--seeds",
              cell.path("values").path("seeds").asText(),
              "--out",
              alone.toString());
      assertEquals(0, eval.code(), eval.err());
      assertArrayEquals(
          Files.readAllBytes(alone.resolve("samples.jsonl")),
          Files.readAllBytes(cellFolder(out, cell).resolve("samples.jsonl")),
          cell.toString());
    }
  }

  @Test
  void aBadCellFailsWhileTheOthersFinish() throws Exception {
    Path grid =
        Files.writeString(
            dir.resolve("bad.yaml"),
            """
            command: eval
            base: {model: %s, data_dir: %s, limit: 2, seeds: 1}
            grid: {shots: [0, 1], task: [sst2, no-such-task]}
            """
                .formatted(model(), SharedAssets.require("data")));
    Path out = dir.resolve("sweep");
    Run run = Run.of("sweep", grid.toString(), "--out", out.toString(), "--engine", "spark");
    assertEquals(1, run.code(), run.err());
    assertTrue(run.err().contains("2 of 4 cells failed"), run.err());
    List<JsonNode> cells = lines(out.resolve("sweep.jsonl"));
    for (JsonNode cell : cells) {
      boolean bad = cell.path("values").path("task").asText().equals("no-such-task");
      assertEquals(bad ? "failed" : "finished", cell.path("status").asText(), cell.toString());
      if (bad) {
        assertTrue(cell.path("error").asText().contains("no-such-task"), cell.toString());
      }
    }
  }

  @Test
  void aKilledDriverResumesToTheFilesOfAnUninterruptedSweep() throws Exception {
    Path grid = Files.writeString(dir.resolve("grid.yaml"), evalGrid(12, "0, 1, 2"));
    Path whole = dir.resolve("whole");
    Run uninterrupted =
        Run.of("sweep", grid.toString(), "--out", whole.toString(), "--engine", "spark");
    assertEquals(0, uninterrupted.code(), uninterrupted.err());

    Path out = dir.resolve("killed");
    Process driver =
        child(
            dir.resolve("driver.log"),
            List.of(
                "sweep",
                grid.toString(),
                "--out",
                out.toString(),
                "--engine",
                "spark",
                "--master",
                "local[1]"));
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (recorded(out) < 1 && driver.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    boolean alive = driver.isAlive();
    driver.destroyForcibly().onExit().join();
    assertTrue(
        alive,
        "the sweep ended before it could be killed: "
            + Files.readString(dir.resolve("driver.log")));
    int before = recorded(out);
    assertTrue(before >= 1 && before < 6, "cells recorded before the kill: " + before);

    Run resumed =
        Run.of("sweep", grid.toString(), "--out", out.toString(), "--engine", "spark", "--resume");
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(
        resumed.err().contains(before + " finished before, " + (6 - before) + " to run"),
        resumed.err());
    assertEquals(results(whole.resolve("cells")), results(out.resolve("cells")));
  }

  /** {@code iclab args} in a child JVM with this test's class path and Spark's JVM options. */
  static Process child(Path log, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(System.getProperty("iclab.sparkJavaOptions").split(" ")));
    command.addAll(
        List.of(
            "-Xmx2g",
            "-XX:-UsePerfData",
            "-Dai.djl.offline=true",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.iclab.cli.Main"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().put("DJL_OFFLINE", "true");
    builder.environment().put("OPT_OUT_TRACKING", "true");
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return builder.start();
  }

  /** Cells whose end is recorded (cells/ID.json). */
  static int recorded(Path out) {
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

  /** Every cell's samples and summaries, by path. */
  static Map<String, String> results(Path cells) throws IOException {
    Map<String, String> files = new HashMap<>();
    try (Stream<Path> s = Files.walk(cells)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        String name = p.getFileName().toString();
        if (name.equals("samples.jsonl") || name.startsWith("summary.")) {
          files.put(cells.relativize(p).toString(), Files.readString(p));
        }
      }
    }
    return files;
  }
}
