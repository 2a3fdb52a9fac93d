package dev.iclab.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The {@code --out} folder of a run, the same for every command.
 *
 * <ul>
 *   <li><b>One writer.</b> Opening locks the folder ({@link RunLock}); a second process refuses
 *       with one line naming the holder; a lock left by a killed process is taken over.
 *   <li><b>Fresh or resumed.</b> A fresh run needs a missing or empty folder. {@code --resume}
 *       continues the run whose {@code run.json} records the same identity (its resolved config,
 *       and whatever else the command names), apart from the keys the command lets change; on a
 *       missing or empty folder it simply starts, so an interrupted run is always finished by the
 *       same command with {@code --resume}, whenever it was interrupted.
 *   <li><b>Nothing half-written.</b> Temporary files of an interrupted write ({@code *.tmp}, {@code
 *       .result.tmp-*}) are removed on opening, under the lock, so they never block a rerun; result
 *       files are written atomically, and {@link #finish} moves a whole set in.
 * </ul>
 */
public final class RunFolder implements AutoCloseable {
  public static final String RUN = "run.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the folder held when it was opened. */
  public enum State {
    /** Missing or empty. */
    NEW,
    /** A run.json, and the command's finished marker missing. */
    UNFINISHED,
    /** A run.json and the command's finished marker. */
    FINISHED
  }

  /**
   * How a command's folder behaves.
   *
   * @param finished whether the run in a folder is complete (e.g. its summary file is there)
   * @param mutable dotted paths within the identity that a resumed run may change (e.g. {@code
   *     config.train.steps})
   * @param resumeFinished whether {@code --resume} of a finished run is allowed (e.g. to train
   *     further), or refused as having nothing to do
   */
  public record Kind(Predicate<Path> finished, Set<String> mutable, boolean resumeFinished) {
    /** A kind whose run is finished when {@code marker} exists, with nothing mutable. */
    public static Kind finishedBy(String marker) {
      return new Kind(dir -> Files.exists(dir.resolve(marker)), Set.of(), true);
    }

    public Kind withMutable(String... paths) {
      return new Kind(finished, Set.of(paths), resumeFinished);
    }

    public Kind refusingFinishedResume() {
      return new Kind(finished, mutable, false);
    }
  }

  private final Path dir;
  private final boolean created;
  private final RunLock lock;
  private final State state;
  private final boolean resumed;
  private final JsonNode saved;

  private RunFolder(
      Path dir, boolean created, RunLock lock, State state, boolean resumed, JsonNode saved) {
    this.dir = dir;
    this.created = created;
    this.lock = lock;
    this.state = state;
    this.resumed = resumed;
    this.saved = saved;
  }

  /**
   * Locks and checks {@code dir} for a run. Close the returned folder when the run ends (it
   * releases the lock).
   *
   * @param identity the fields that run.json must hold unchanged for a resume, e.g. {@code
   *     {"config": ...}}
   * @throws IclabException when the folder is held by another process, a fresh run would overwrite
   *     results, or a resumed one differs
   */
  public static RunFolder open(Path dir, boolean resume, ObjectNode identity, Kind kind) {
    boolean created = !Files.exists(dir);
    RunLock lock = RunLock.acquire(dir);
    try {
      removeLeftovers(dir);
      Path run = dir.resolve(RUN);
      State state;
      JsonNode saved = null;
      if (Files.isRegularFile(run)) {
        saved = read(run);
        state = kind.finished().test(dir) ? State.FINISHED : State.UNFINISHED;
      } else if (isEmpty(dir)) {
        state = State.NEW;
      } else {
        throw new IclabException(
            "--out %s holds files but no %s of an iclab run; choose an empty folder"
                .formatted(dir, RUN));
      }
      if (state != State.NEW && !resume) {
        throw new IclabException(
            "--out %s already holds a%s run; pass --resume to continue it, or choose an empty folder"
                .formatted(dir, state == State.FINISHED ? " finished" : "n unfinished"));
      }
      if (state != State.NEW) {
        String difference = firstDifference(saved, normalized(identity), "", kind.mutable());
        if (difference != null) {
          throw new IclabException(
              "--resume: the run in %s was made with other settings (%s); resume with the same options, or choose another --out"
                  .formatted(dir, difference));
        }
        if (state == State.FINISHED && !kind.resumeFinished()) {
          throw new IclabException(
              "--resume: the run in %s has finished; nothing to resume".formatted(dir));
        }
      }
      return new RunFolder(dir, created, lock, state, state != State.NEW, saved);
    } catch (RuntimeException e) {
      lock.close();
      removeIfUnused(dir, created);
      throw e;
    }
  }

  /** The folder. */
  public Path path() {
    return dir;
  }

  public Path resolve(String name) {
    return dir.resolve(name);
  }

  public State state() {
    return state;
  }

  /** Whether this continues a run that was there (a {@code --resume} on an empty folder is not). */
  public boolean resumed() {
    return resumed;
  }

  /** The run.json that was there when the folder was opened; missing for a new run. */
  public JsonNode saved() {
    return saved == null ? JSON.missingNode() : saved;
  }

  /** Writes {@code value} as pretty JSON to {@code name} atomically. */
  public void writeJson(String name, JsonNode value) {
    try {
      AtomicFiles.writeString(
          dir.resolve(name),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes a set of result files: {@code writer} fills a hidden temporary folder inside this one,
   * then each file is moved in whole (replacing an older one). Write the file that marks the run
   * finished after this, so that a reader never sees it before the rest.
   */
  public void finish(Consumer<Path> writer) {
    Path temp;
    try {
      temp = Files.createTempDirectory(dir, ".result.tmp-");
    } catch (IOException e) {
      throw new IclabException(
          "cannot write into %s: %s; check that it is writable and the disk has room"
              .formatted(dir, e.getMessage()),
          e);
    }
    try {
      writer.accept(temp);
      try (Stream<Path> files = Files.list(temp)) {
        for (Path f : files.sorted().toList()) {
          Path target = dir.resolve(f.getFileName().toString());
          if (Files.isDirectory(target) && Files.isDirectory(f)) {
            deleteTree(target);
          }
          Files.move(
              f, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
      }
    } catch (IOException e) {
      throw new IclabException(
          "cannot write the results into %s: %s; check that the disk has room, then rerun with --resume"
              .formatted(dir, e.getMessage()),
          e);
    } finally {
      deleteQuietly(temp);
    }
  }

  /**
   * Releases the lock. A folder this run created and left with nothing in it (it failed before
   * writing anything) is removed, so that bad input leaves no trace.
   */
  @Override
  public void close() {
    lock.close();
    removeIfUnused(dir, created);
  }

  private static void removeIfUnused(Path dir, boolean created) {
    try {
      if (created && isEmpty(dir)) {
        Files.deleteIfExists(dir.resolve(RunLock.FILE));
        Files.deleteIfExists(dir);
      }
    } catch (IOException | IclabException ignored) {
      // an empty folder left behind is harmless
    }
  }

  private static JsonNode read(Path run) {
    try {
      return JSON.readTree(run.toFile());
    } catch (IOException e) {
      throw new IclabException(
          "cannot read %s (%s); it is damaged: move the folder away and start the run anew"
              .formatted(run, e.getMessage()),
          e);
    }
  }

  /** Through text, so that numbers compare as they were saved (a long seed reads back an int). */
  private static JsonNode normalized(JsonNode node) {
    try {
      return JSON.readTree(JSON.writeValueAsString(node));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first field of {@code now} that {@code saved} lacks or holds otherwise, as a phrase. */
  static String firstDifference(JsonNode saved, JsonNode now, String prefix, Set<String> mutable) {
    if (mutable.contains(prefix)) {
      return null;
    }
    if (now.isObject() && saved.isObject()) {
      for (Iterator<String> it = now.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        String path = prefix.isEmpty() ? key : prefix + "." + key;
        String d = firstDifference(saved.path(key), now.get(key), path, mutable);
        if (d != null) {
          return d;
        }
      }
      if (!prefix.isEmpty()) {
        for (Iterator<String> it = saved.fieldNames(); it.hasNext(); ) {
          String key = it.next();
          if (!now.has(key) && !mutable.contains(prefix + "." + key)) {
            return "%s.%s: %s then, absent now".formatted(prefix, key, saved.get(key));
          }
        }
      }
      return null;
    }
    if (now.equals(saved) || (now.isNull() && saved.isMissingNode())) {
      return null; // an optional field written as null now, and left out by older runs
    }
    return "%s: %s then, %s now"
        .formatted(prefix, saved.isMissingNode() ? "absent" : saved.toString(), now.toString());
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.allMatch(p -> p.getFileName().toString().equals(RunLock.FILE));
    } catch (IOException e) {
      throw new IclabException("cannot list --out %s: %s".formatted(dir, e.getMessage()), e);
    }
  }

  /** Temporary files of an interrupted atomic write; only a lock holder writes, so none is live. */
  private static void removeLeftovers(Path dir) {
    List<Path> leftovers;
    try (Stream<Path> paths = Files.walk(dir, 3)) {
      leftovers =
          paths
              .filter(
                  p -> {
                    String name = p.getFileName().toString();
                    return (name.endsWith(".tmp") && Files.isRegularFile(p))
                        || (name.startsWith(".result.tmp-") && Files.isDirectory(p));
                  })
              .toList();
    } catch (IOException e) {
      throw new IclabException("cannot list --out %s: %s".formatted(dir, e.getMessage()), e);
    }
    leftovers.forEach(RunFolder::deleteQuietly);
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      if (Files.exists(path)) {
        deleteTree(path);
      }
    } catch (IOException ignored) {
      // a hidden leftover; removed by the next opening
    }
  }
}
