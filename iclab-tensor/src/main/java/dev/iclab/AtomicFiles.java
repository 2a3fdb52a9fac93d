package dev.iclab;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes result files through a synced temporary sibling and an atomic rename, so a reader (or a
 * run resumed after a crash) never sees half a file.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** A writer of the temporary file's content. */
  @FunctionalInterface
  public interface Content {
    void writeTo(Path temporary) throws IOException;
  }

  /** Writes a file atomically. */
  public static void write(Path target, Content content) {
    Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      content.writeTo(temporary);
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(
          temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IclabException(
          "cannot write %s: %s; check that the folder is writable and the disk has room"
              .formatted(target, e.getMessage()),
          e);
    }
  }

  /** Writes a UTF-8 text file atomically. */
  public static void writeString(Path target, String text) {
    write(target, t -> Files.writeString(t, text, StandardCharsets.UTF_8));
  }

  /** Writes a byte file atomically. */
  public static void writeBytes(Path target, byte[] bytes) {
    write(target, t -> Files.write(t, bytes));
  }
}
