package dev.iclab.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.run.RunFolder;
import dev.iclab.run.RunLock;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * {@code iclab sweep}: a grid of runs of one command, each cell in its own run folder under {@code
 * DIR/cells/ID/}, written by the command itself (run in-process through the same command line), so
 * a cell's files are those of running the command alone with the cell's values.
 *
 * <p>The sweep folder: {@code run.json} (the grid; a resume must use the same), {@code cells/ID/}
 * (the command's run folder), {@code cells/ID.json} (how the cell ended), {@code cells/ID.log} (its
 * output), {@code sweep.jsonl} (every cell's line, in index order), {@code report.html}. The driver
 * holds the folder's {@link RunLock}, so a second sweep on it refuses; a cell holds {@code
 * locks/ID}.
 */
public final class Sweep {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RunFolder.Kind KIND = RunFolder.Kind.finishedBy("sweep.jsonl");
  public static final String SWEEP_JSONL = "sweep.jsonl";
  public static final String SLURM_SCRIPT = "sweep.sbatch";

  private Sweep() {}

  /** Runs an iclab command line (without the leading {@code iclab}) in this process. */
  @FunctionalInterface
  public interface CommandRunner {
    /** Returns the command's exit code. */
    int run(List<String> argv, PrintStream out, PrintStream err);
  }

  /**
   * What {@code iclab sweep} was asked.
   *
   * @param cell run only this cell, or null
   * @param emit {@code slurm} to write an sbatch script instead of running, or null
   * @param launcher how the emitted script starts iclab
   */
  public record Request(
      Path gridFile,
      Path out,
      String engine,
      String master,
      boolean resume,
      Integer cell,
      String emit,
      String launcher) {}

  /**
   * Runs the request; throws {@link IclabException} (one line) when it cannot, or when cells failed
   * (after every other cell has run and sweep.jsonl and the report are written).
   */
  public static void run(Request request, CommandRunner runner, PrintWriter out, PrintWriter log) {
    Grid grid = Grid.load(request.gridFile());
    Path gridFile = request.gridFile().toAbsolutePath().normalize();
    Path dir = request.out().toAbsolutePath().normalize();
    if (request.emit() != null && !request.emit().equals("slurm")) {
      throw new IclabException(
          "--emit %s: the one script iclab writes is `slurm`".formatted(request.emit()));
    }
    if (request.master() != null && !"spark".equals(request.engine())) {
      throw new IclabException(
          "--master %s: a master is for --engine spark".formatted(request.master()));
    }
    if (request.cell() != null) {
      checkIdentity(dir, grid);
      CellResult result = runCell(grid, dir, request.cell(), runner);
      out.println(result.line());
      out.flush();
      if (!result.finished()) {
        throw new IclabException(
            "cell %d (%s) failed: %s; its output is in %s"
                .formatted(result.index(), result.id(), result.error(), logFile(dir, result.id())));
      }
      return;
    }
    SweepEngine engine = request.emit() == null ? engine(request.engine()) : null;
    ObjectNode identity = identity(grid);
    try (RunFolder folder = RunFolder.open(dir, request.resume(), identity, KIND)) {
      if (folder.state() == RunFolder.State.NEW) {
        folder.writeJson(RunFolder.RUN, identity);
      }
      if (engine == null) {
        Path script = dir.resolve(SLURM_SCRIPT);
        AtomicFiles.writeString(
            script,
            SlurmScript.of(grid, gridFile, dir, request.launcher(), Path.of("").toAbsolutePath()));
        script.toFile().setExecutable(true);
        out.printf(
            "wrote %s (%d array tasks); submit it with: sbatch %s%n", script, grid.size(), script);
        out.flush();
        return;
      }
      List<Integer> todo = new ArrayList<>();
      for (Cell cell : grid.cells()) {
        Optional<CellResult> saved = CellResult.read(statusFile(dir, cell.id()));
        if (saved.isEmpty() || !saved.get().finished()) {
          todo.add(cell.index());
        }
      }
      log.printf(
          Locale.ROOT,
          "sweep: %d cells of `%s`, %d finished before, %d to run on engine %s%n",
          grid.size(),
          grid.command(),
          grid.size() - todo.size(),
          todo.size(),
          engine.name());
      log.flush();
      SweepJob job =
          new SweepJob(
              gridFile,
              dir,
              grid,
              request.master(),
              index -> runCell(grid, dir, index, runner),
              log);
      Map<Integer, String> lost = todo.isEmpty() ? Map.of() : engine.run(job, todo);
      lost.forEach(
          (index, error) -> {
            Cell cell = grid.cell(index);
            Optional<CellResult> saved = CellResult.read(statusFile(dir, cell.id()));
            if (saved.isEmpty()) { // the cell's own record of its failure says more
              CellResult.failed(cell, 0, oneLine(error)).write(statusFile(dir, cell.id()));
            }
          });
      List<CellResult> results = gather(grid, dir);
      StringBuilder lines = new StringBuilder();
      results.forEach(r -> lines.append(r.line()).append('\n'));
      SweepReport.write(dir, grid, results);
      AtomicFiles.writeString(dir.resolve(SWEEP_JSONL), lines.toString());
      List<CellResult> failed = results.stream().filter(r -> !r.finished()).toList();
      out.printf(
          Locale.ROOT,
          "%d of %d cells finished, %d failed%nresults in %s (%s, report.html)%n",
          results.size() - failed.size(),
          results.size(),
          failed.size(),
          dir,
          SWEEP_JSONL);
      out.flush();
      if (!failed.isEmpty()) {
        CellResult first = failed.get(0);
        throw new IclabException(
            "%d of %d cells failed (cell %d %s: %s); see %s, then rerun the failed cells with --resume"
                .formatted(
                    failed.size(),
                    results.size(),
                    first.index(),
                    first.id(),
                    first.error(),
                    dir.resolve(SWEEP_JSONL)));
      }
    }
  }

  /** The engine {@code --engine} names: local, or one found by {@link ServiceLoader}. */
  static SweepEngine engine(String name) {
    String wanted = name == null ? "local" : name;
    List<SweepEngine> engines = new ArrayList<>(List.of(new LocalEngine()));
    ServiceLoader.load(SweepEngine.class).forEach(engines::add);
    return engines.stream()
        .filter(e -> e.name().equals(wanted))
        .findFirst()
        .orElseThrow(
            () ->
                new IclabException(
                    wanted.equals("spark")
                        ? "--engine spark: the Spark engine (module iclab-sweep-spark) is not on the class path; run sweeps on Spark with ./iclab, which adds it (see README, Sweeps)"
                        : "--engine %s: unknown; use local or spark".formatted(wanted)));
  }

  private static ObjectNode identity(Grid grid) {
    ObjectNode identity = JSON.createObjectNode();
    identity.put("kind", "sweep");
    identity.set("grid", grid.toJson());
    return identity;
  }

  /** A --cell run on a sweep folder: the folder's grid must be this one (recorded if new). */
  private static void checkIdentity(Path dir, Grid grid) {
    Path run = dir.resolve(RunFolder.RUN);
    ObjectNode identity = identity(grid);
    if (Files.isRegularFile(run)) {
      JsonNode saved;
      try {
        saved = JSON.readTree(run.toFile());
      } catch (IOException e) {
        throw new IclabException("cannot read %s: %s".formatted(run, e.getMessage()), e);
      }
      if (!saved.equals(identity)) {
        throw new IclabException(
            "--out %s holds a sweep of another grid; use the grid file it was made with, or another --out"
                .formatted(dir));
      }
    } else {
      try {
        AtomicFiles.writeString(
            run, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(identity) + "\n");
      } catch (IOException e) {
        throw new IclabException("cannot write %s: %s".formatted(run, e.getMessage()), e);
      }
    }
  }

  /**
   * Runs cell {@code index} here, unless it has finished before (then returns its saved result):
   * removes what an interrupted attempt left, runs the command into {@code cells/ID/} with its
   * output in {@code cells/ID.log}, and records how it ended in {@code cells/ID.json}.
   */
  @SuppressWarnings("try") // the lock is held, not used
  public static CellResult runCell(Grid grid, Path dir, int index, CommandRunner runner) {
    Cell cell = grid.cell(index);
    String id = cell.id();
    try (RunLock lock = RunLock.acquire(dir.resolve("locks").resolve(id))) {
      Path status = statusFile(dir, id);
      Optional<CellResult> saved = CellResult.read(status);
      if (saved.isPresent() && saved.get().finished()) {
        return saved.get();
      }
      Path runFolder = cellFolder(dir, id);
      deleteTree(runFolder);
      Files.deleteIfExists(status);
      List<String> argv = grid.argv(cell, runFolder);
      Path log = logFile(dir, id);
      Files.createDirectories(log.getParent());
      long start = System.nanoTime();
      int code;
      String error = null;
      try (OutputStream file = Files.newOutputStream(log);
          PrintStream stream = new PrintStream(file, true, StandardCharsets.UTF_8)) {
        stream.println("# iclab " + String.join(" ", argv));
        try {
          code = runner.run(argv, stream, stream);
        } catch (RuntimeException | Error e) {
          code = 1;
          error = oneLine(e.toString());
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      CellResult result;
      if (code == 0) {
        result =
            new CellResult(
                index,
                id,
                cell.valuesJson(),
                CellResult.FINISHED,
                CellMetrics.of(grid.command(), runFolder),
                seconds,
                null);
      } else {
        String message = error != null ? error : errorLine(log).orElse("exit code " + code);
        result = CellResult.failed(cell, seconds, message);
      }
      result.write(status);
      return result;
    } catch (IOException e) {
      throw new IclabException(
          "cannot prepare cell %d in %s: %s".formatted(index, dir, e.getMessage()), e);
    }
  }

  /** Every cell's result in index order; a cell that never recorded one counts as failed. */
  static List<CellResult> gather(Grid grid, Path dir) {
    List<CellResult> results = new ArrayList<>();
    for (Cell cell : grid.cells()) {
      results.add(
          CellResult.read(statusFile(dir, cell.id()))
              .orElseGet(() -> CellResult.failed(cell, 0, "not run")));
    }
    return results;
  }

  /** The cell's run folder. */
  public static Path cellFolder(Path dir, String id) {
    return dir.resolve("cells").resolve(id);
  }

  /** How the cell ended ({@link CellResult}). */
  public static Path statusFile(Path dir, String id) {
    return dir.resolve("cells").resolve(id + ".json");
  }

  /** The cell's command output. */
  public static Path logFile(Path dir, String id) {
    return dir.resolve("cells").resolve(id + ".log");
  }

  /** The first line of an error in a cell's log: iclab's {@code error: ...} line. */
  private static Optional<String> errorLine(Path log) throws IOException {
    try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines
          .filter(l -> l.startsWith("error: ") || l.startsWith("internal error"))
          .map(l -> l.startsWith("error: ") ? l.substring("error: ".length()) : l)
          .findFirst();
    }
  }

  static String oneLine(String text) {
    String line = text == null ? "" : text.strip().lines().findFirst().orElse("");
    return line.length() > 500 ? line.substring(0, 500) + "..." : line;
  }

  private static void deleteTree(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
