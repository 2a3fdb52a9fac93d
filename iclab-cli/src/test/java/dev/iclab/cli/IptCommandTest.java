package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.lm.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iclab ipt}: bad input is one line and exit 1, before anything is written. */
class IptCommandTest {
  private static CliRun ipt(Path out, String... flags) {
    String[] base = {
      "ipt",
      "run",
      "--model",
      TestModels.model("tinystories-656k").toString(),
      "--out",
      out.toString()
    };
    String[] args = new String[base.length + flags.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(flags, 0, args, base.length, flags.length);
    return CliRun.of(args);
  }

  @Test
  void badInputIsOneLineAndWritesNothing(@TempDir Path dir) {
    Path out = dir.resolve("out");
    CliRun overlap =
        ipt(out, "--train-tasks", "trec:DESC-vs-HUM", "--test-tasks", "trec:DESC-vs-HUM");
    assertEquals(1, overlap.exitCode());
    assertTrue(overlap.err().contains("both a training and a test task"), overlap.err());
    CliRun dim =
        ipt(out, "--train-tasks", "trec:*", "--test-tasks", "trec", "--intrinsic-dim", "0");
    assertEquals(1, dim.exitCode());
    assertTrue(dim.err().contains("--intrinsic-dim must list values >= 1"), dim.err());
    CliRun few = ipt(out, "--tasks", "trec:DESC-vs-HUM", "--split", "random");
    assertEquals(1, few.exitCode());
    assertTrue(few.err().contains("at least 2 tasks"), few.err());
    CliRun unknown = ipt(out, "--train-tasks", "trec:FOO-vs-HUM", "--test-tasks", "trec");
    assertEquals(1, unknown.exitCode());
    assertTrue(unknown.err().contains("'FOO' is not a class of trec"), unknown.err());
    CliRun workers =
        ipt(out, "--train-tasks", "trec:DESC-vs-HUM", "--test-tasks", "trec", "--workers", "0");
    assertEquals(1, workers.exitCode());
    assertTrue(workers.err().contains("--workers must be >= 1, got 0"), workers.err());
    assertTrue(Files.notExists(out));
  }
}
