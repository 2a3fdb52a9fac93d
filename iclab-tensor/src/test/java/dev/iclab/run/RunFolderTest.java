package dev.iclab.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RunFolder.Kind KIND = RunFolder.Kind.finishedBy("summary.json");

  @TempDir Path tmp;

  private static ObjectNode identity(int seed, int steps) {
    ObjectNode id = JSON.createObjectNode();
    id.putObject("config").put("seed", seed).putObject("train").put("steps", steps);
    return id;
  }

  /** Opens a run, writes its run.json, and closes it as a run interrupted before finishing. */
  private Path startedRun(ObjectNode identity) {
    Path dir = tmp.resolve("run");
    try (RunFolder f = RunFolder.open(dir, false, identity, KIND)) {
      assertEquals(RunFolder.State.NEW, f.state());
      ObjectNode run = identity.deepCopy();
      run.put("status", "running");
      f.writeJson(RunFolder.RUN, run);
    }
    return dir;
  }

  @Test
  void freshRunRefusesAFolderWithARunAndResumeContinuesIt() {
    Path dir = startedRun(identity(1, 10));
    var e =
        assertThrows(IclabException.class, () -> RunFolder.open(dir, false, identity(1, 10), KIND));
    assertTrue(
        e.getMessage().contains("already holds an unfinished run; pass --resume"), e.getMessage());
    try (RunFolder f = RunFolder.open(dir, true, identity(1, 10), KIND)) {
      assertEquals(RunFolder.State.UNFINISHED, f.state());
      assertTrue(f.resumed());
      assertEquals("running", f.saved().path("status").asText());
    }
  }

  @Test
  void resumeNamesTheFirstDifferenceAndAllowsMutableKeys() {
    Path dir = startedRun(identity(1, 10));
    var e =
        assertThrows(IclabException.class, () -> RunFolder.open(dir, true, identity(2, 10), KIND));
    assertTrue(e.getMessage().contains("config.seed: 1 then, 2 now"), e.getMessage());
    assertThrows(IclabException.class, () -> RunFolder.open(dir, true, identity(1, 20), KIND));
    try (RunFolder f =
        RunFolder.open(dir, true, identity(1, 20), KIND.withMutable("config.train.steps"))) {
      assertTrue(f.resumed());
    }
  }

  @Test
  void aFolderThatTheRunCreatedAndLeftEmptyIsRemoved() {
    Path dir = tmp.resolve("failed");
    try (RunFolder f = RunFolder.open(dir, false, identity(1, 10), KIND)) {
      assertTrue(Files.isDirectory(f.path()));
    }
    assertFalse(Files.exists(dir), "bad input leaves no folder behind");
  }

  @Test
  void resumeOnAnEmptyFolderStartsTheRun() {
    try (RunFolder f = RunFolder.open(tmp.resolve("new"), true, identity(1, 10), KIND)) {
      assertEquals(RunFolder.State.NEW, f.state());
      assertFalse(f.resumed());
    }
  }

  @Test
  void finishedRunIsReportedAndCanRefuseResume() throws Exception {
    Path dir = startedRun(identity(1, 10));
    Files.writeString(dir.resolve("summary.json"), "{}");
    try (RunFolder f = RunFolder.open(dir, true, identity(1, 10), KIND)) {
      assertEquals(RunFolder.State.FINISHED, f.state());
    }
    var e =
        assertThrows(
            IclabException.class,
            () -> RunFolder.open(dir, true, identity(1, 10), KIND.refusingFinishedResume()));
    assertTrue(e.getMessage().contains("has finished; nothing to resume"), e.getMessage());
  }

  @Test
  void leftoverTemporaryFilesAreRemovedAndNeverBlockARerun() throws Exception {
    Path dir = tmp.resolve("run");
    Files.createDirectories(dir.resolve(".result.tmp-123"));
    Files.writeString(dir.resolve("checkpoint.bin.tmp"), "half");
    Files.writeString(dir.resolve(".result.tmp-123").resolve("a.json"), "{}");
    try (RunFolder f = RunFolder.open(dir, false, identity(1, 10), KIND)) {
      assertEquals(RunFolder.State.NEW, f.state());
      assertFalse(Files.exists(dir.resolve("checkpoint.bin.tmp")));
      assertFalse(Files.exists(dir.resolve(".result.tmp-123")));
    }
  }

  @Test
  void damagedRunJsonAndForeignFilesAreRefusedWithOneLine() throws Exception {
    Path dir = startedRun(identity(1, 10));
    Files.writeString(dir.resolve(RunFolder.RUN), "{\"config\": {\"se");
    var e =
        assertThrows(IclabException.class, () -> RunFolder.open(dir, true, identity(1, 10), KIND));
    assertTrue(e.getMessage().contains("it is damaged"), e.getMessage());
    Path other = tmp.resolve("other");
    Files.createDirectories(other);
    Files.writeString(other.resolve("notes.txt"), "mine");
    e =
        assertThrows(
            IclabException.class, () -> RunFolder.open(other, true, identity(1, 10), KIND));
    assertTrue(e.getMessage().contains("holds files but no run.json"), e.getMessage());
  }

  @Test
  void finishMovesTheWholeSetIn() throws Exception {
    Path dir = tmp.resolve("run");
    try (RunFolder f = RunFolder.open(dir, false, identity(1, 10), KIND)) {
      f.finish(
          temp -> {
            try {
              Files.writeString(temp.resolve("a.txt"), "A");
              Files.createDirectories(temp.resolve("adapter"));
              Files.writeString(temp.resolve("adapter").resolve("w.bin"), "W");
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      assertEquals("A", Files.readString(dir.resolve("a.txt")));
      assertEquals("W", Files.readString(dir.resolve("adapter").resolve("w.bin")));
      try (var entries = Files.list(dir)) {
        assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".result.tmp")));
      }
    }
    assertEquals(0, Files.size(dir.resolve(RunLock.FILE)), "a released lock file is empty");
  }

  @Test
  void aSecondWriterInThisProcessIsRefused() throws Exception {
    Path dir = tmp.resolve("run");
    try (RunFolder first = RunFolder.open(dir, false, identity(1, 10), KIND)) {
      assertEquals(RunFolder.State.NEW, first.state());
      var e =
          assertThrows(
              IclabException.class, () -> RunFolder.open(dir, true, identity(1, 10), KIND));
      assertTrue(
          e.getMessage().contains("is being written by another iclab run (this process, pid"),
          e.getMessage());
      // The refused attempt must not have dropped the holder's lock (closing any descriptor of
      // the file drops a POSIX lock): another process is still refused.
      Process child = startHolder(dir);
      boolean ended = child.waitFor(60, TimeUnit.SECONDS);
      if (!ended) {
        child.destroyForcibly();
      }
      assertTrue(ended, "the child locked the folder too");
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(1, child.exitValue(), output);
      assertTrue(output.contains("is being written by another iclab run (pid "), output);
    }
  }

  /** Another process holds the lock: refused, naming it; killed with -9: its lock is taken over. */
  @Test
  void anotherProcessIsRefusedUntilItDiesThenItsStaleLockIsTakenOver() throws Exception {
    Path dir = tmp.resolve("run");
    Process child = startHolder(dir);
    try {
      var reader =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("locked", reader.readLine());
      var e =
          assertThrows(
              IclabException.class, () -> RunFolder.open(dir, false, identity(1, 10), KIND));
      assertTrue(
          e.getMessage().contains("another iclab run (pid " + child.pid() + " on "),
          e.getMessage());
    } finally {
      child.destroyForcibly(); // SIGKILL: no chance to release anything
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(Files.exists(dir.resolve(RunLock.FILE)), "the killed holder left its lock file");
    try (RunFolder f = RunFolder.open(dir, false, identity(1, 10), KIND)) {
      assertEquals(RunFolder.State.NEW, f.state());
    }
  }

  private static Process startHolder(Path dir) throws java.io.IOException {
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            LockHolder.class.getName(),
            dir.toString())
        .redirectErrorStream(true)
        .start();
  }
}
