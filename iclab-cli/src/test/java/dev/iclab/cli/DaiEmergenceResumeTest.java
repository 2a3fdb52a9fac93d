package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * iclab dai --emergence-run: a run killed with kill -9 (a separate JVM) and finished with --resume
 * writes the same per-episode lines and per-checkpoint metrics as a run that never stopped, and a
 * second uninterrupted run with the same seed writes them again, identically.
 */
class DaiEmergenceResumeTest {
  private static final int CHECKPOINTS = 8; // steps 0, 1, ..., 7

  private static List<String> dai(Path run, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "dai",
                "--emergence-run",
                run.toString(),
                "--episodes",
                "24",
                "--lr-search",
                "0.1,0.5,2",
                "--lr-search-dev",
                "8",
                "--seed",
                "3",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args;
  }

  private static int finishedCheckpoints(Path out) {
    Path steps = out.resolve("steps");
    if (!Files.isDirectory(steps)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(steps)) {
      return (int) s.filter(p -> p.getFileName().toString().matches("step-\\d{6}\\.json")).count();
    } catch (IOException e) {
      return 0; // the folder changed under us; try again
    }
  }

  @Test
  void killedAnalysisResumesToTheSameLines(@TempDir Path dir) throws Exception {
    Path run =
        DaiCommandTest.emergenceRun(dir.resolve("run"), "transformer", CHECKPOINTS - 1, 1, 24);

    Path straight = dir.resolve("straight");
    CliRun a = CliRun.of(dai(run, straight).toArray(String[]::new));
    assertEquals(0, a.exitCode(), a.err());
    assertEquals(CHECKPOINTS * 24, Files.readAllLines(straight.resolve("samples.jsonl")).size());

    // A real kill -9: a separate JVM is killed once it has finished some checkpoints, not all.
    Path killed = dir.resolve("killed");
    assertTrue(
        KilledRun.killWhen(
            dai(run, killed), dir.resolve("killed.log"), () -> finishedCheckpoints(killed), 2),
        "the analysis was still going when killed");
    int reached = finishedCheckpoints(killed);
    assertTrue(reached >= 2 && reached < CHECKPOINTS, "killed after " + reached + " checkpoints");
    assertFalse(Files.exists(killed.resolve("metrics.json")), "not finished");

    CliRun fresh = CliRun.of(dai(run, killed).toArray(String[]::new));
    assertEquals(1, fresh.exitCode());
    assertTrue(fresh.err().contains("--resume"), fresh.err());
    CliRun resumed = CliRun.of(dai(run, killed, "--resume").toArray(String[]::new));
    assertEquals(0, resumed.exitCode(), resumed.err());

    Path again = dir.resolve("again");
    CliRun b = CliRun.of(dai(run, again).toArray(String[]::new));
    assertEquals(0, b.exitCode(), b.err());
    for (String f : List.of("samples.jsonl", "metrics.jsonl")) {
      String expected = Files.readString(straight.resolve(f));
      assertEquals(
          expected, Files.readString(killed.resolve(f)), f + " after kill -9 and --resume");
      assertEquals(expected, Files.readString(again.resolve(f)), f + " of a same-seed rerun");
    }
    try (Stream<Path> s = Files.list(killed)) {
      assertTrue(
          s.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary files");
    }
  }
}
