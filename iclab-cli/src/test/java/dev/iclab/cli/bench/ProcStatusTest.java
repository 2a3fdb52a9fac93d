package dev.iclab.cli.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The /proc readers behind the benches' memory and page-fault figures. */
class ProcStatusTest {
  @Test
  void minorFaultsCountTheFirstTouchOfFreshMemory() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "Linux only");
    long before = ProcStatus.minorFaults();
    assertTrue(before > 0, "a running JVM has faulted pages in, got " + before);
    // 64 MiB off the Java heap: malloc maps it fresh and allocateDirect zeroes every page.
    ByteBuffer fresh = ByteBuffer.allocateDirect(64 << 20);
    long after = ProcStatus.minorFaults();
    assertTrue(fresh.capacity() > 0);
    // 16,384 faults of 4 KiB pages, or 32 where transparent huge pages map 2 MiB at a time.
    assertTrue(
        after - before >= 32,
        "zeroing 64 MiB of fresh memory should fault it in, counted " + (after - before));
  }
}
