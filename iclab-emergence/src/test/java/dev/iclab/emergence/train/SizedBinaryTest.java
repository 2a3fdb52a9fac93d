package dev.iclab.emergence.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.iclab.IclabException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SizedBinaryTest {
  @TempDir Path dir;

  @Test
  void readsBothFilesWhenTheSizesAgree() throws Exception {
    Path json = Files.writeString(dir.resolve("a.json"), "{\"step\": 7, \"bytes\": 3}");
    Path bin = Files.write(dir.resolve("a.bin"), new byte[] {1, 2, 3});
    SizedBinary stored = SizedBinary.read(json, bin, "%s %d %s %d");
    assertArrayEquals(new byte[] {1, 2, 3}, stored.bytes());
    assertEquals(7, stored.meta().path("step").asLong());
  }

  @Test
  void refusesABinaryShorterThanItsJsonSays() throws Exception {
    Path json = Files.writeString(dir.resolve("a.json"), "{\"bytes\": 4}");
    Path bin = Files.write(dir.resolve("a.bin"), new byte[] {1, 2, 3});
    IclabException e =
        assertThrows(
            IclabException.class,
            () -> SizedBinary.read(json, bin, "%s has %d bytes, %s says %d; truncated"));
    assertEquals(bin + " has 3 bytes, " + json + " says 4; truncated", e.getMessage());
  }

  @Test
  void refusesAJsonWithoutASize() throws Exception {
    Path json = Files.writeString(dir.resolve("a.json"), "{\"step\": 1}");
    Path bin = Files.write(dir.resolve("a.bin"), new byte[0]);
    IclabException e =
        assertThrows(IclabException.class, () -> SizedBinary.read(json, bin, "%s %d %s %d"));
    assertEquals(bin + " 0 " + json + " -1", e.getMessage());
  }
}
