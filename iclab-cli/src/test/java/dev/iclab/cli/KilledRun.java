package dev.iclab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/** A real kill -9: an iclab command in a separate JVM, killed once it has saved some progress. */
final class KilledRun {
  private KilledRun() {}

  /**
   * Starts {@code args} in a child JVM and kills it (SIGKILL) once {@code progress} reaches {@code
   * atLeast}.
   *
   * @return whether the child was still running when killed (false: it finished or timed out)
   */
  static boolean killWhen(List<String> args, Path log, IntSupplier progress, int atLeast)
      throws IOException, InterruptedException {
    Process process = ChildIclab.start(log, 0, args);
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (progress.getAsInt() < atLeast && System.nanoTime() < deadline && process.isAlive()) {
      Thread.sleep(5);
    }
    boolean alive = process.isAlive();
    process.destroyForcibly();
    process.onExit().join();
    return alive;
  }

  /** The step of the newest {@code checkpoints/step-NNNNNNNN} folder in a run folder, or 0. */
  static int newestCheckpoint(Path out) {
    Path checkpoints = out.resolve("checkpoints");
    if (!Files.isDirectory(checkpoints)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(checkpoints)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.matches("step-\\d{8}"))
          .mapToInt(n -> Integer.parseInt(n.substring(5)))
          .max()
          .orElse(0);
    } catch (IOException e) {
      return 0; // the folder changed under us; try again
    }
  }
}
