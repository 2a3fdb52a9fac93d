package dev.iclab.cli;

import dev.iclab.experiments.sweep.Sweep;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code iclab sweep}: a grid of runs of one command, each cell run through this same command line
 * in-process ({@link Sweep}).
 */
@Command(
    name = "sweep",
    description =
        "Run a grid of eval, emergence, dai or tune runs: GRID.yaml names the command, its base"
            + " settings and the axes to vary. Each cell gets its own run folder under"
            + " DIR/cells/; sweep.jsonl and report.html gather them.")
public final class SweepCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "GRID.yaml", description = "The grid file.")
  Path grid;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Sweep folder.")
  Path out;

  @Option(
      names = "--engine",
      paramLabel = "local|spark",
      defaultValue = "local",
      description =
          "local: cells one after another in this process (default); spark: one Spark task per cell.")
  String engine;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master: local[N] (default local[2]) or spark://HOST:PORT.")
  String master;

  @Option(names = "--resume", description = "Run only the cells not finished before.")
  boolean resume;

  @Option(
      names = "--cell",
      paramLabel = "K",
      description = "Run only cell K (0-based), as a Spark or Slurm array task does.")
  Integer cell;

  @Option(
      names = "--emit",
      paramLabel = "slurm",
      description = "Write DIR/sweep.sbatch, a Slurm array job of one task per cell, and stop.")
  String emit;

  @Override
  protected void execute() {
    Sweep.run(
        new Sweep.Request(
            grid, out, engine, master, resume, cell, emit, System.getenv("ICLAB_LAUNCHER")),
        (argv, stdout, stderr) -> IclabCommand.run(stdout, stderr, argv.toArray(String[]::new)),
        out(),
        err());
  }
}
