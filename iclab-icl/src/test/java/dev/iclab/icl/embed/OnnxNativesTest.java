package dev.iclab.icl.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ONNX Runtime's libraries come from the iclab cache, not from a fresh /tmp folder per process. */
class OnnxNativesTest {
  @TempDir Path dir;

  @Test
  void unpacksTheLibrariesOnceAndRepairsATornCopy() throws IOException {
    String platform = OnnxNatives.platform();
    assertNotNull(platform, "the build machine is a platform ONNX Runtime ships for");
    Path unpacked = OnnxNatives.unpack(dir, platform);
    assertNotNull(unpacked);
    List<Path> libraries;
    try (Stream<Path> files = Files.list(unpacked)) {
      libraries = files.sorted().toList();
    }
    assertEquals(2, libraries.size(), libraries.toString());
    for (Path library : libraries) {
      try (InputStream in =
          OnnxNatives.class.getResourceAsStream(
              "/ai/onnxruntime/native/" + platform + "/" + library.getFileName())) {
        assertEquals(in.readAllBytes().length, Files.size(library), library.toString());
      }
    }
    Path runtime = libraries.get(0);
    FileTime written = FileTime.fromMillis(1_000_000L);
    Files.setLastModifiedTime(runtime, written);
    assertEquals(unpacked, OnnxNatives.unpack(dir, platform));
    assertEquals(written, Files.getLastModifiedTime(runtime), "an intact copy is reused");
    long size = Files.size(runtime);
    try (var channel = Files.newByteChannel(runtime, java.nio.file.StandardOpenOption.WRITE)) {
      channel.truncate(size / 2);
    }
    OnnxNatives.unpack(dir, platform);
    assertEquals(size, Files.size(runtime), "a torn copy is written again");
  }

  @Test
  void sweepRemovesOnlyOldEmptyOnnxFolders() throws IOException {
    Path old = Files.createDirectory(dir.resolve("onnxruntime-java123"));
    Path full = Files.createDirectory(dir.resolve("onnxruntime-java456"));
    Files.writeString(full.resolve("libonnxruntime.so"), "x");
    Path other = Files.createDirectory(dir.resolve("something-else"));
    for (Path p : List.of(old, full, other)) {
      Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    }
    Path young = Files.createDirectory(dir.resolve("onnxruntime-java789"));
    OnnxNatives.sweepEmptyLeftovers(dir, 5_000);
    assertTrue(Files.notExists(old), "an old empty folder is a killed process's");
    assertTrue(Files.exists(full), "a folder with files may be in use");
    assertTrue(Files.exists(other));
    assertTrue(Files.exists(young), "a new one may be another process starting");
  }

  @Test
  void theEncoderLoadsOnnxRuntimeFromTheCache() {
    float[][] vectors = new MiniLmEncoder().embed(List.of("a fine film"));
    assertEquals(384, vectors[0].length);
    String path = System.getProperty(OnnxNatives.PATH_PROPERTY);
    assertNotNull(path);
    assertTrue(
        Path.of(path).startsWith(EmbeddingCache.cacheRoot().resolve("onnxruntime")),
        path + " is in the iclab cache");
    assertTrue(Files.exists(Path.of(path, System.mapLibraryName("onnxruntime"))));
  }
}
