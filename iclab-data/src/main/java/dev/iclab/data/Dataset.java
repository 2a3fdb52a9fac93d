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
 */
public record Dataset(
    String name, List<Example> examples, Path source, String sha256, int skippedRows) {
  public Dataset {
    examples = List.copyOf(examples);
  }

  public int size() {
    return examples.size();
  }

  public Example get(int index) {
    return examples.get(index);
  }
}
