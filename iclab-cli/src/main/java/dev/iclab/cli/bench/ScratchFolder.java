package dev.iclab.cli.bench;

import dev.iclab.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A temporary folder for what a bench trains or writes along the way (not part of its result):
 * deleted on close, with a warning on stderr when it cannot be.
 */
final class ScratchFolder implements AutoCloseable {
  private final Path path;
  private final PrintWriter err;

  ScratchFolder(String prefix, PrintWriter err) {
    try {
      this.path = Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.err = err;
  }

  Path path() {
    return path;
  }

  @Override
  public void close() {
    try {
      Json.deleteTree(path);
    } catch (IOException e) {
      err.println("warning: cannot delete " + path + ": " + e);
    }
  }
}
