package dev.iclab.icl.embed;

import dev.iclab.IclabException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * ONNX Runtime's native libraries, unpacked once into the iclab cache ({@code
 * $ICLAB_CACHE_DIR/onnxruntime/PLATFORM-SIZE}) and loaded from there ({@code
 * onnxruntime.native.path}). Left alone, ONNX Runtime unpacks them (16 MB) into a new {@code
 * /tmp/onnxruntime-java*} folder in every process and deletes it only at a normal exit, so each
 * killed run leaves one behind.
 */
final class OnnxNatives {
  static final String PATH_PROPERTY = "onnxruntime.native.path";
  private static final String RESOURCES = "/ai/onnxruntime/native/";

  private OnnxNatives() {}

  /** Points ONNX Runtime at the cached libraries (unpacking them first when missing). */
  static synchronized void useCache() {
    if (System.getProperty(PATH_PROPERTY) != null) {
      return; // set by the user, or already done
    }
    String platform = platform();
    if (platform == null) {
      return; // a platform we do not know: ONNX Runtime's own loading decides
    }
    Path dir = unpack(EmbeddingCache.cacheRoot().resolve("onnxruntime"), platform);
    if (dir != null) {
      System.setProperty(PATH_PROPERTY, dir.toString());
    }
  }

  /**
   * Copies the platform's libraries into {@code root/PLATFORM-SIZE} (atomically, so a killed copy
   * is never used); returns the folder, or null when the jar has no libraries for the platform.
   */
  static Path unpack(Path root, String platform) {
    try {
      List<String> names = libraries();
      long total = 0;
      for (String name : names) {
        URL url = OnnxNatives.class.getResource(RESOURCES + platform + "/" + name);
        if (url == null) {
          return null;
        }
        total += url.openConnection().getContentLengthLong();
      }
      Path dir = root.resolve(platform + "-" + total);
      Files.createDirectories(dir);
      for (String name : names) {
        URL url = OnnxNatives.class.getResource(RESOURCES + platform + "/" + name);
        Path target = dir.resolve(name);
        if (Files.exists(target)
            && Files.size(target) == url.openConnection().getContentLengthLong()) {
          continue;
        }
        Path part = Files.createTempFile(dir, name, ".part");
        try (InputStream in = url.openStream()) {
          Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
          Files.move(
              part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(part);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new IclabException(
          "cannot unpack ONNX Runtime's libraries into "
              + root
              + " ("
              + e.getMessage()
              + "); set ICLAB_CACHE_DIR to a writable folder",
          e);
    }
  }

  /**
   * Removes empty {@code onnxruntime-java*} folders older than {@code minAgeMillis} from {@code
   * tmp}. ONNX Runtime creates one per process even when it loads from {@link #PATH_PROPERTY}, and
   * deletes it within its start-up; one is left only by a process killed in that moment. Only empty
   * ones are touched, and only old ones, so a start-up in progress elsewhere is left alone.
   */
  static void sweepEmptyLeftovers(Path tmp, long minAgeMillis) {
    long cutoff = System.currentTimeMillis() - minAgeMillis;
    try (DirectoryStream<Path> folders = Files.newDirectoryStream(tmp, "onnxruntime-java*")) {
      for (Path folder : folders) {
        try {
          if (Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)
              && Files.getLastModifiedTime(folder).toMillis() < cutoff) {
            Files.delete(folder); // fails, and is skipped, unless empty
          }
        } catch (IOException e) {
          // not empty, not ours, or already gone
        }
      }
    } catch (IOException e) {
      // an unreadable tmp folder: nothing to sweep
    }
  }

  /** ONNX Runtime's name for this OS and architecture, or null. */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String cpu =
        switch (arch) {
          case "amd64", "x86_64" -> "x64";
          case "aarch64", "arm64" -> "aarch64";
          default -> null;
        };
    if (cpu == null) {
      return null;
    }
    if (os.contains("linux")) {
      return "linux-" + cpu;
    }
    if (os.contains("mac") || os.contains("darwin")) {
      return "osx-" + cpu;
    }
    return os.contains("win") ? "win-" + cpu : null;
  }

  private static List<String> libraries() {
    return List.of(
        System.mapLibraryName("onnxruntime"), System.mapLibraryName("onnxruntime4j_jni"));
  }
}
