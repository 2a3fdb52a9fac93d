package dev.iclab.data.io;

import dev.iclab.data.DataSource;
import dev.iclab.data.Dataset;
import dev.iclab.data.DatasetException;
import dev.iclab.data.Example;
import dev.iclab.data.Task;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Loads a task's training pool and evaluation set. A row with a missing field or an unknown label
 * throws a {@link DatasetException} naming the file, line and field, unless {@code skipBadRows} is
 * set: then the row is left out and counted in {@link Dataset#skippedRows()}.
 */
public final class DatasetLoader {
  /** Where built-in tasks' data are unless a command is told otherwise, from the working folder. */
  public static final String DEFAULT_DATA_DIR = "../shared/data";

  private final Path dataDir;
  private final boolean skipBadRows;

  public DatasetLoader(Path dataDir, boolean skipBadRows) {
    this.dataDir = dataDir;
    this.skipBadRows = skipBadRows;
  }

  /** The two splits of a task. */
  public record Splits(Dataset train, Dataset eval) {}

  public Splits load(Task task) {
    Dataset train = read(task, task.train(), task.name() + "/train");
    if (task.heldOut() == null) {
      return new Splits(train, read(task, task.eval(), task.name() + "/eval"));
    }
    return heldOutSplit(task, train);
  }

  private static Splits heldOutSplit(Task task, Dataset all) {
    Task.HeldOut h = task.heldOut();
    int n = all.size();
    if (h.evalSize() >= n) {
      throw new DatasetException(
          "task %s: held-out evaluation size %d leaves no training examples in %s (%d rows)"
              .formatted(task.name(), h.evalSize(), all.source(), n));
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random random = new Random(h.seed());
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    boolean[] inEval = new boolean[n];
    for (int i = 0; i < h.evalSize(); i++) {
      inEval[order[i]] = true;
    }
    List<Example> train = new ArrayList<>();
    List<Example> eval = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      (inEval[i] ? eval : train).add(all.get(i));
    }
    return new Splits(
        new Dataset(
            task.name() + "/train",
            train,
            all.source(),
            all.sha256(),
            all.skippedRows(),
            all.duplicateRows()),
        new Dataset(
            task.name() + "/eval",
            eval,
            all.source(),
            all.sha256(),
            all.skippedRows(),
            all.duplicateRows()));
  }

  private Dataset read(Task task, DataSource source, String name) {
    Path file = dataDir.resolve(source.file());
    List<TableReader.Row> rows = TableReader.read(file, source.format(), source.encoding());
    List<Example> examples = new ArrayList<>();
    Map<String, Integer> lineOfId = new HashMap<>();
    int skipped = 0;
    int duplicates = 0;
    for (int r = 0; r < rows.size(); r++) {
      TableReader.Row row = rows.get(r);
      Example example;
      try {
        example = example(task, source, file, row, r);
      } catch (DatasetException e) {
        if (!skipBadRows) {
          throw new DatasetException(e.getMessage() + "; fix the row or pass --skip-bad-rows");
        }
        skipped++;
        continue;
      }
      Integer first = lineOfId.putIfAbsent(example.id(), row.line());
      if (first == null) {
        examples.add(example);
      } else if (source.keepFirstOfDuplicateIds()) {
        duplicates++;
      } else {
        throw new DatasetException(
            ("%s line %d: id '%s' (column '%s') repeats the id of line %d; ids key a run's"
                    + " samples, so each must be unique: fix the file, or add 'duplicate_ids:"
                    + " keep-first' to the task file to keep only the first row of each id")
                .formatted(file, row.line(), example.id(), source.idColumn(), first));
      }
    }
    return new Dataset(name, examples, file, sha256(file), skipped, duplicates);
  }

  private static Example example(
      Task task, DataSource source, Path file, TableReader.Row row, int index) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (Map.Entry<String, String> slot : source.fields().entrySet()) {
      String value = row.values().get(slot.getValue());
      if (value == null) {
        throw new DatasetException(
            "%s line %d: field '%s' is missing".formatted(file, row.line(), slot.getValue()));
      }
      fields.put(slot.getKey(), source.strip() ? value.strip() : value);
    }
    String rawLabel = row.values().get(source.labelColumn());
    if (rawLabel == null) {
      throw new DatasetException(
          "%s line %d: field '%s' (label) is missing"
              .formatted(file, row.line(), source.labelColumn()));
    }
    int label = parseLabel(task, rawLabel.strip());
    if (label < 0) {
      throw new DatasetException(
          "%s line %d: field '%s' has unknown label '%s'; expected 0..%d or one of %s"
              .formatted(
                  file,
                  row.line(),
                  source.labelColumn(),
                  rawLabel,
                  task.numLabels() - 1,
                  task.labelNames()));
    }
    String id = Integer.toString(index);
    if (source.idColumn() != null) {
      id = row.values().get(source.idColumn());
      if (id == null || id.isBlank()) {
        throw new DatasetException(
            "%s line %d: field '%s' (id) is missing"
                .formatted(file, row.line(), source.idColumn()));
      }
    }
    return new Example(id, fields, label);
  }

  private static int parseLabel(Task task, String raw) {
    int byName = task.labelNames().indexOf(raw);
    if (byName >= 0) {
      return byName;
    }
    try {
      int index = Integer.parseInt(raw);
      return index >= 0 && index < task.numLabels() ? index : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Hex SHA-256 of a file's bytes. */
  public static String sha256(Path file) {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      byte[] buffer = new byte[1 << 16];
      while (in.read(buffer) >= 0) {
        // the digest stream hashes as it reads
      }
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (IOException e) {
      throw new DatasetException("cannot read %s: %s".formatted(file, e.getMessage())).causedBy(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
