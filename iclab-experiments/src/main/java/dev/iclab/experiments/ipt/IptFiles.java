package dev.iclab.experiments.ipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/** The files of an IPT study: task folders moved in whole, JSON written atomically. */
final class IptFiles {
  /** A finished task's (or auto-encoder's) result, written last into its folder. */
  static final String RESULT = "result.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private IptFiles() {}

  /** Whether the task or auto-encoder in {@code dir} is done. */
  static boolean done(Path dir) {
    return Files.isRegularFile(dir.resolve(RESULT));
  }

  /**
   * A task name as a folder name: characters other than letters, digits, '.', '_', '-' become _.
   */
  static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /** Fills a hidden temporary folder, then moves it to {@code dir} in one rename. */
  static void writeWhole(Path dir, Consumer<Path> writer) {
    try {
      mkdirs(dir.getParent());
      Path temp = Files.createTempDirectory(dir.getParent(), ".result.tmp-");
      writer.accept(temp);
      Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IclabException(
          "cannot write %s: %s; check the disk, then run the stage again"
              .formatted(dir, e.getMessage()),
          e);
    }
  }

  static void mkdirs(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IclabException("cannot create %s: %s".formatted(dir, e.getMessage()), e);
    }
  }

  static void writeJson(Path file, JsonNode value) {
    try {
      AtomicFiles.writeString(
          file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IclabException("cannot read %s: %s".formatted(file, e.getMessage()), e);
    }
  }
}
