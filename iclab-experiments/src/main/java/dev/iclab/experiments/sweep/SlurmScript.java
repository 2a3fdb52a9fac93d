package dev.iclab.experiments.sweep;

import java.nio.file.Path;

/**
 * The sbatch script of {@code iclab sweep --emit slurm}: one array task per cell, each running
 * {@code iclab sweep GRID --out DIR --cell $SLURM_ARRAY_TASK_ID} in the folder the sweep was
 * emitted from (relative paths in the grid file mean the same there).
 */
final class SlurmScript {
  private SlurmScript() {}

  static String of(Grid grid, Path gridFile, Path out, String launcher, Path workDir) {
    String iclab = launcher == null ? "iclab" : launcher;
    return """
        #!/usr/bin/env bash
        #SBATCH --job-name=iclab-sweep
        #SBATCH --array=0-%d
        #SBATCH --output=%s/slurm-%%A_%%a.log
        # iclab sweep: %d cells of `%s` from %s.
        # Every node must see the models, the data, this grid file and the output folder (a shared
        # file system). When the array has finished, gather sweep.jsonl and report.html (and rerun
        # any failed cell) with:
        #   %s sweep %s --out %s --resume
        set -euo pipefail
        cd %s
        exec %s sweep %s --out %s --cell "$SLURM_ARRAY_TASK_ID"
        """
        .formatted(
            grid.size() - 1,
            out,
            grid.size(),
            grid.command(),
            gridFile,
            iclab,
            gridFile,
            out,
            quote(workDir.toString()),
            quote(iclab),
            quote(gridFile.toString()),
            quote(out.toString()));
  }

  /** {@code text} as one shell word. */
  static String quote(String text) {
    return text.matches("[A-Za-z0-9_./=:,+-]+") ? text : "'" + text.replace("'", "'\\''") + "'";
  }
}
