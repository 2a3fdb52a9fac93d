package dev.iclab.data;

import java.nio.file.Path;
import java.util.List;

/**
 * An immutable list of examples and where they came from.
 *
 * @param name e.g. {@code sst2/train}
 * @param examples in file order (or the documented split order)
 * @param source the file read
 * @param sha256 hex SHA-256 of the file's bytes
 * @param skippedRows rows left out by {@code --skip-bad-rows}
 * @param duplicateRows rows left out because their id repeats an earlier row's (the task file's
 *     {@code duplicate_ids: keep-first})
 */
public record Dataset(
    String name,
    List<Example> examples,
    Path source,
    String sha256,
    int skippedRows,
    int duplicateRows) {
  public Dataset {
    examples = List.copyOf(examples);
  }

  /** A dataset with no row left out for a repeated id. */
  public Dataset(String name, List<Example> examples, Path source, String sha256, int skippedRows) {
    this(name, examples, source, sha256, skippedRows, 0);
  }

  public int size() {
    return examples.size();
  }

  public Example get(int index) {
    return examples.get(index);
  }
}
