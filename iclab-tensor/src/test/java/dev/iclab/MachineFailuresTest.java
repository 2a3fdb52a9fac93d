package dev.iclab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A full disk, a read-only folder or exhausted memory is one line; anything else stays a bug. */
class MachineFailuresTest {
  @Test
  void fullDiskAnywhereInTheCausesSaysToFreeSpaceAndResume() {
    var wrapped = new UncheckedIOException(new IOException("File too large"));
    String message = MachineFailures.message(new RuntimeException("step 4", wrapped)).orElseThrow();
    assertTrue(message.startsWith("cannot write: File too large"), message);
    assertTrue(message.contains("--resume"), message);
    String nospace =
        MachineFailures.message(
                new FileSystemException("runs/x/samples.jsonl", null, "No space left on device"))
            .orElseThrow();
    assertTrue(nospace.startsWith("cannot write: runs/x/samples.jsonl: No space left"), nospace);
  }

  @Test
  void unwritableFolderNamesThePath() {
    String ro =
        MachineFailures.message(new FileSystemException("/proc/out", null, "Read-only file system"))
            .orElseThrow();
    assertTrue(ro.startsWith("cannot write: /proc/out: Read-only file system"), ro);
    String denied = MachineFailures.message(new AccessDeniedException("/root/out")).orElseThrow();
    assertTrue(denied.contains("/root/out") && denied.contains("writable"), denied);
  }

  @Test
  void outOfMemoryIsOneLineNamingTheWayOut() {
    String oom = MachineFailures.message(new OutOfMemoryError("Java heap space")).orElseThrow();
    assertTrue(oom.startsWith("out of memory (Java heap space)"), oom);
  }

  @Test
  void otherFailuresAreNotMachineFailures() {
    assertEquals(Optional.empty(), MachineFailures.message(new IllegalStateException("bug")));
    assertEquals(
        Optional.empty(), MachineFailures.message(new IOException("Connection reset by peer")));
  }
}
