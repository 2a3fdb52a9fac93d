package dev.iclab.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code iclab} in a separate JVM, for what cannot happen in-process: kill -9, and resource limits
 * such as a full disk ({@code ulimit -f}). Its stdout and stderr go to a log file.
 */
final class ChildIclab {
  private ChildIclab() {}

  /**
   * @param fileLimitKib the largest file the process may write, in KiB (a full disk), or 0 for no
   *     limit
   */
  static Process start(Path log, int fileLimitKib, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    if (fileLimitKib > 0) {
      command.addAll(List.of("bash", "-c", "ulimit -f " + fileLimitKib + " && exec \"$@\"", "-"));
    }
    command.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:-UsePerfData", // no hsperfdata file, which the limit would also hit
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
}
