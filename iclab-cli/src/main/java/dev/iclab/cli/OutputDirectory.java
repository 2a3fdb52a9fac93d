package dev.iclab.cli;

import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An --out directory that appears whole or not at all: written to a sibling temp dir, then moved.
 */
final class OutputDirectory {
  private OutputDirectory() {}

  /** Refuses an --out that exists and is not empty. */
  static void checkFresh(Path out) {
    if (Files.exists(out)) {
      boolean empty;
      try (Stream<Path> entries = Files.list(out)) {
        empty = entries.findAny().isEmpty();
      } catch (IOException e) {
        throw new IclabException("--out %s exists and is not a readable directory".formatted(out));
      }
      if (!empty) {
        throw new IclabException(
            "--out %s already exists and is not empty; choose a new directory".formatted(out));
      }
    }
  }

  /**
   * Runs {@code writer} on a fresh temp directory and moves it to {@code out}; cleans up on
   * failure.
   */
  static void write(Path out, Consumer<Path> writer) {
    Path absolute = out.toAbsolutePath();
    Path temp;
    try {
      Files.createDirectories(absolute.getParent());
      temp =
          Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".tmp-");
    } catch (IOException e) {
      throw new IclabException(
          "cannot create a directory beside %s: %s".formatted(out, e.getMessage()), e);
    }
    try {
      writer.accept(temp);
      Files.deleteIfExists(absolute); // an empty directory the user made
      Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      delete(temp);
      throw new IclabException(
          "cannot move the result into %s: %s".formatted(out, e.getMessage()), e);
    } catch (RuntimeException e) {
      delete(temp);
      throw e;
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: the temp directory is hidden and named after --out
    }
  }
}
