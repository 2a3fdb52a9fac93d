package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code iclab} in a separate JVM, so that a test can kill it as kill -9 would. */
final class ChildCli {
  /** What the test waits for before killing the child. */
  interface Condition {
    boolean holds() throws IOException;
  }

  private ChildCli() {}

  /**
   * Starts {@code iclab ARGS} on the test's class path, offline, with its output in {@code log}.
   */
  static Process start(List<String> args, Path log) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().put("DJL_OFFLINE", "true");
    builder.environment().put("OPT_OUT_TRACKING", "true");
    return builder.start();
  }

  /**
   * Waits (at most two minutes) until {@code ready} holds, then kills the child forcibly (SIGKILL)
   * and waits for it to end; fails if the child had already ended.
   */
  static void killWhen(Process child, Condition ready) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (!ready.holds() && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
    assertTrue(child.isAlive(), "the run was still going when killed");
    child.destroyForcibly();
    child.onExit().join();
  }
}
