package dev.iclab.tune.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.tune.TuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * Where a pre-training run writes. Without checkpoints: a hidden temporary sibling of {@code out},
 * renamed to {@code out} when everything is written (a failed run leaves nothing). With
 * checkpoints: {@code out} itself, so that a killed run can be resumed.
 */
final class RunFolder {
  private final Path out;
  private final Path work;
  private final boolean resumed;

  private RunFolder(Path out, Path work, boolean resumed) {
    this.out = out;
    this.work = work;
    this.resumed = resumed;
  }

  static RunFolder fresh(Path out, PretrainConfig config) {
    if (Files.exists(out)) {
      boolean empty;
      try (Stream<Path> entries = Files.list(out)) {
        empty = entries.findAny().isEmpty();
      } catch (IOException e) {
        throw new TuneException("--out %s exists and is not a readable directory".formatted(out));
      }
      if (!empty) {
        throw new TuneException(
            "--out %s already exists and is not empty; choose a new directory, or add --resume to continue its run"
                .formatted(out));
      }
    }
    try {
      Path absolute = out.toAbsolutePath();
      Files.createDirectories(absolute.getParent());
      if (config.saveEvery() > 0) {
        return new RunFolder(out, Files.createDirectories(out), false);
      }
      Path temp =
          Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".tmp-");
      return new RunFolder(out, temp, false);
    } catch (IOException e) {
      throw new TuneException("cannot create %s: %s".formatted(out, e.getMessage()), e);
    }
  }

  /** Checks that {@code out} holds an unfinished run with the same config and data. */
  static RunFolder resume(Path out, ObjectNode run) {
    Path file = out.resolve(Pretraining.RUN);
    if (!Files.isRegularFile(file)) {
      throw new TuneException(
          "--resume: %s holds no run (no %s); start it without --resume"
              .formatted(out, Pretraining.RUN));
    }
    if (Files.exists(out.resolve(Pretraining.SUMMARY))) {
      throw new TuneException(
          "--resume: the run in %s has finished (%s is there); nothing to resume"
              .formatted(out, Pretraining.SUMMARY));
    }
    JsonNode saved;
    JsonNode now;
    try {
      saved = Pretraining.JSON.readTree(file.toFile());
      now = Pretraining.JSON.readTree(run.toString()); // the same number types as the file
    } catch (IOException e) {
      throw new TuneException("--resume: cannot read %s: %s".formatted(file, e.getMessage()), e);
    }
    String difference = firstDifference(saved.path("config"), now.path("config"));
    for (String part : new String[] {"train", "valid"}) {
      JsonNode a = saved.path("data").path(part).path("sha256");
      JsonNode b = now.path("data").path(part).path("sha256");
      if (difference == null && !a.equals(b)) {
        difference = "the " + part + " data's content";
      }
    }
    if (difference != null) {
      throw new TuneException(
          "--resume: the configuration differs from the run in %s (%s); resume with the same flags and data, or start a new --out"
              .formatted(out, difference));
    }
    if (saved.path("config").path("save_every").asInt() < 1) {
      throw new TuneException("--resume: the run in %s saved no checkpoints".formatted(out));
    }
    return new RunFolder(out, out, true);
  }

  private static String firstDifference(JsonNode saved, JsonNode now) {
    for (Iterator<String> it = now.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!now.get(key).equals(saved.get(key))) {
        return "%s: %s then, %s now".formatted(key, saved.get(key), now.get(key));
      }
    }
    return saved.size() == now.size() ? null : "the set of options";
  }

  Path out() {
    return out;
  }

  Path work() {
    return work;
  }

  boolean resumed() {
    return resumed;
  }

  Path checkpoints() {
    return work.resolve("checkpoints");
  }

  /** Moves a temporary folder into place and drops the checkpoints of a finished run. */
  void finish() {
    Pretraining.deleteTree(checkpoints());
    if (!work.equals(out)) {
      try {
        Files.deleteIfExists(out); // an empty directory given as --out
        Files.move(work, out, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new TuneException(
            "cannot move the result from %s to %s: %s".formatted(work, out, e.getMessage()), e);
      }
    }
  }

  /** After a failure: a temporary folder goes; a checkpointed one stays for --resume. */
  void abandon() {
    if (!work.equals(out)) {
      Pretraining.deleteTree(work);
    }
  }
}
