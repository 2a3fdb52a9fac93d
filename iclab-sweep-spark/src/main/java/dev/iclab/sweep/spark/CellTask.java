package dev.iclab.sweep.spark;

import dev.iclab.cli.IclabCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.spark.api.java.function.Function;

/**
 * A Spark task: {@code iclab sweep GRID --out DIR --cell K} in the executor's JVM. It returns the
 * cell's result line; a failed cell throws, so Spark retries it up to {@code
 * spark.task.maxFailures} (the cell records its error in {@code cells/ID.json} each time).
 */
final class CellTask implements Function<Integer, String> {
  private static final long serialVersionUID = 1L;

  private final String gridFile;
  private final String out;

  CellTask(String gridFile, String out) {
    this.gridFile = gridFile;
    this.out = out;
  }

  @Override
  public String call(Integer cell) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int code =
        IclabCommand.run(
            new PrintStream(stdout, true, StandardCharsets.UTF_8),
            new PrintStream(stderr, true, StandardCharsets.UTF_8),
            "sweep",
            gridFile,
            "--out",
            out,
            "--cell",
            cell.toString());
    if (code != 0) {
      String error =
          stderr.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("exit code " + code);
      throw new CellFailedException(error);
    }
    return stdout.toString(StandardCharsets.UTF_8).strip();
  }

  /** A cell that ended failed: its one line, for Spark's log and the driver. */
  static final class CellFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CellFailedException(String message) {
      super(message);
    }
  }
}
